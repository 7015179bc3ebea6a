"""VICReg as an mmpretrain self-supervised algorithm: expander, head and model."""

from typing import Dict, List, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..engine.precision import fp32


@MODELS.register_module()
class VICRegExpander(BaseModule):
    """The official VICReg projector on pooled backbone features.

    ``Linear-BN-ReLU`` for each hidden layer, then a last ``Linear`` without bias and
    without BN.

    Args:
        in_channels (int): Backbone feature width (2048 for ResNet-50).
        hid_channels (int): Hidden width (8192 in the paper, 2048 in the report's recipe).
        out_channels (int): Embedding width ``D``.
        num_layers (int): Linear layers in all. Defaults to 3.
        with_avg_pool (bool): Global-average-pool (N, C, H, W) features first.
        norm_cfg (dict): The hidden layers' norm. SyncBN (the official code converts the
            whole model) so that several GPUs normalise over the global batch; mmengine turns
            it into BN on one device, and so does CPUAwareDDP on CPUs.
    """

    # a projector: its outputs are normalised over the batch (engine/precision.py)
    autocast_precision = 'fp32'

    def __init__(
        self,
        in_channels: int,
        hid_channels: int,
        out_channels: int,
        num_layers: int = 3,
        with_avg_pool: bool = True,
        norm_cfg: dict = dict(type='SyncBN'),
        init_cfg=None,
    ):
        super().__init__(init_cfg)
        self.with_avg_pool = with_avg_pool
        widths = [in_channels] + [hid_channels] * (num_layers - 1) + [out_channels]
        layers = []
        for i in range(num_layers - 1):
            layers += [
                nn.Linear(widths[i], widths[i + 1]),
                build_norm_layer(norm_cfg, widths[i + 1])[1],
                nn.ReLU(True),
            ]
        layers.append(nn.Linear(widths[-2], widths[-1], bias=False))
        self.mlp = nn.Sequential(*layers)

    def forward(self, x: Sequence[torch.Tensor]) -> tuple:
        """Last of the backbone's outputs, (N, C, H, W) or (N, C) -> ``((N, D), )``."""
        x = x[-1]
        if self.with_avg_pool:
            x = x.mean(dim=(2, 3))
        return (self.mlp(x.flatten(1)),)


@MODELS.register_module()
class VICRegHead(BaseModule):
    """Applies :class:`VICRegLoss` and returns the total plus the three terms for the log.

    Args:
        loss (dict): The VICReg loss config.
    """

    autocast_precision = 'autocast'  # its loss() is @fp32; the rest as autocast decides

    def __init__(self, loss: dict = dict(type='VICRegLoss'), init_cfg=None):
        super().__init__(init_cfg)
        # built in mmpretrain's scope whatever the caller's default scope is
        self.loss_module = MODELS.build({'_scope_': 'mmpretrain', **loss})

    @fp32  # the loss in fp32 under bf16 autocast
    def loss(self, z1: torch.Tensor, z2: torch.Tensor) -> Dict[str, torch.Tensor]:
        """(n, D) embeddings of the two views -> ``loss`` and the detached unweighted
        ``repr_term``, ``std_term``, ``cov_term`` (named without "loss" so that mmengine
        logs them but does not add them to the total)."""
        return self.logged(self.loss_module.terms(z1, z2))

    @staticmethod
    def logged(terms: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """``loss`` and the other terms detached as ``<name>_term``."""
        out = {f'{k}_term': v.detach() for k, v in terms.items() if k != 'loss'}
        out['loss'] = terms['loss']
        return out


@MODELS.register_module()
class VICReg(BaseSelfSupervisor):
    """VICReg: backbone -> expander (neck) -> VICReg loss (head) on two views.

    Args:
        backbone (dict), neck (dict), head (dict): as for mmpretrain's ``BarlowTwins``.
        **kwargs: Passed to :class:`mmpretrain.models.selfsup.BaseSelfSupervisor`.
    """

    def loss(
        self, inputs: List[torch.Tensor], data_samples: List[DataSample], **kwargs
    ) -> Dict[str, torch.Tensor]:
        """Two views (each (N, 3, H, W)) -> the head's loss dict."""
        assert isinstance(inputs, list) and len(inputs) == 2
        z1 = self.neck(self.backbone(inputs[0]))[0]
        z2 = self.neck(self.backbone(inputs[1]))[0]
        return self.head.loss(z1, z2)
