"""The Barlow Twins loss (Zbontar et al., ICML 2021), with a DDP-correct head."""

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..engine.precision import fp32
from .gather import gather_with_grad, off_diagonal


@MODELS.register_module()
class BarlowTwinsLoss(BaseModule):
    """``sum_i (1 - C_ii)^2 + lambd * sum_{i != j} C_ij^2`` of a cross-correlation matrix.

    Args:
        lambd (float): Weight of the redundancy-reduction (off-diagonal) term. Defaults to
            0.0051, the paper's.
    """

    autocast_precision = 'fp32'  # the loss: fp32 under bf16 autocast (engine/precision.py)

    def __init__(self, lambd: float = 0.0051):
        super().__init__()
        self.lambd = lambd

    def forward(self, c: torch.Tensor) -> torch.Tensor:
        """The scalar loss of a (D, D) cross-correlation matrix ``c``."""
        on_diag = (torch.diagonal(c) - 1).pow(2).sum()
        off_diag = off_diagonal(c).pow(2).sum()
        return on_diag + self.lambd * off_diag


@MODELS.register_module()
class GatheredCrossCorrelationHead(BaseModule):
    """Barlow Twins head whose result under DDP equals one process on the whole batch.

    mmpretrain's ``LatentCrossCorrelationHead`` normalises each process's embeddings with
    its own batch statistics and sums the per-process matrices with a plain ``all_reduce``,
    which carries no gradient for the other processes' parts: after DDP averages, every
    gradient is ``1 / world_size`` of the single-process one (and the normalisation
    differs). Here the embeddings are gathered with gradients first, normalised over the
    global batch and correlated once; tests/test_ssl_distributed.py compares both heads
    against one process on the concatenated batch.

    Args:
        in_channels (int): Embedding width ``D``.
        loss (dict): The loss of the matrix. Defaults to :class:`BarlowTwinsLoss`.
    """

    autocast_precision = 'autocast'  # its loss() is @fp32; the rest as autocast decides

    def __init__(self, in_channels: int, loss: dict = dict(type='BarlowTwinsLoss'), init_cfg=None):
        super().__init__(init_cfg)
        # built in mmpretrain's scope whatever the caller's default scope is
        self.loss_module = MODELS.build({'_scope_': 'mmpretrain', **loss})
        self.bn = nn.BatchNorm1d(in_channels, affine=False)

    def cross_correlation(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        """(n, D) embeddings per process -> the (D, D) matrix of the global batch."""
        z1, z2 = gather_with_grad(z1), gather_with_grad(z2)
        return self.bn(z1).T @ self.bn(z2) / z1.size(0)

    @fp32  # the matrix and the loss in fp32 under bf16 autocast
    def loss(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The scalar loss of two (n, D) embedding batches."""
        return self.loss_module(self.cross_correlation(input, target))
