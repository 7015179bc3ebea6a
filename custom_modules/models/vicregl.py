"""VICRegL as an mmpretrain self-supervised algorithm: head and model."""

from typing import Dict, List

import torch
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..engine.precision import fp32
from .vicreg import VICRegHead


def feature_positions(boxes, h: int, w: int, device=None) -> torch.Tensor:
    """Where the cells of an (h, w) feature map of each view lie in its original image.

    Args:
        boxes (Sequence): One ``(top, left, height, width, flipped)`` crop box per image (as
            ``FastSSLView`` records it, in original-image pixels).
        h (int), w (int): The feature map's size.

    Returns:
        Tensor: (B, h * w, 2) float32 ``(y, x)`` of each cell's centre, row-major.
    """
    t = torch.as_tensor([list(map(float, b[:5])) for b in boxes], device=device)
    top, left, bh, bw, flip = t.unbind(1)
    fy = (torch.arange(h, device=device) + 0.5) / h  # (h,)
    fx = (torch.arange(w, device=device) + 0.5) / w
    fx = torch.where(flip[:, None] > 0, 1 - fx, fx)  # (B, w): a flipped view's left is the right
    y = top[:, None, None] + fy[None, :, None] * bh[:, None, None]  # (B, h, 1)
    x = left[:, None, None] + fx[:, None, :] * bw[:, None, None]  # (B, 1, w)
    return torch.stack(torch.broadcast_tensors(y, x), dim=-1).flatten(1, 2)


@MODELS.register_module()
class VICRegLHead(VICRegHead):
    """Applies :class:`VICRegLLoss`; returns the total plus the weighted terms for the log.

    Args:
        loss (dict): The VICRegL loss config.
    """

    def __init__(self, loss: dict = dict(type='VICRegLLoss'), init_cfg=None):
        super().__init__(loss, init_cfg)

    @fp32  # the loss in fp32 under bf16 autocast
    def loss(self, embeddings, maps, locations) -> Dict[str, torch.Tensor]:
        """See :meth:`VICRegLLoss.terms`; the terms come back detached as ``*_term`` (logged,
        not added to the total)."""
        return self.logged(self.loss_module.terms(embeddings, maps, locations))


@MODELS.register_module()
class VICRegL(BaseSelfSupervisor):
    """VICRegL: backbone -> global expander (``neck``) on pooled features and local expander
    (``maps_neck``) on every cell of the last feature map -> VICRegL loss (``head``).

    The positions of the cells in the original image come from each view's crop box, which
    ``FastSSLView`` (or ``SSLCropFlip``) records and ``MultiViewWithBoxes`` collects as
    ``view_boxes``.

    Args:
        backbone (dict), neck (dict), head (dict): as for :class:`VICReg`.
        maps_neck (dict): A ``VICRegExpander`` with ``with_avg_pool=False``.
        **kwargs: Passed to :class:`mmpretrain.models.selfsup.BaseSelfSupervisor`.
    """

    def __init__(self, backbone: dict, neck: dict, maps_neck: dict, head: dict, **kwargs):
        super().__init__(backbone=backbone, neck=neck, head=head, **kwargs)
        self.maps_neck = MODELS.build(maps_neck)

    def loss(
        self, inputs: List[torch.Tensor], data_samples: List[DataSample], **kwargs
    ) -> Dict[str, torch.Tensor]:
        """Two views (each (B, 3, H, W)) -> the head's loss dict."""
        assert isinstance(inputs, list) and len(inputs) == 2
        if not all('view_boxes' in s for s in data_samples):
            raise KeyError(
                "VICRegL needs each view's crop box: build the views with FastSSLView or "
                'SSLCropFlip inside '
                "MultiViewWithBoxes and pack them with PackInputs(algorithm_keys=('view_boxes',))"
            )
        embeddings, maps, locations = [], [], []
        for v, x in enumerate(inputs):
            f = self.backbone(x)[-1]  # (B, C, h, w)
            b, c, h, w = f.shape
            embeddings.append(self.neck([f])[0])
            cells = f.permute(0, 2, 3, 1).reshape(b * h * w, c)
            maps.append(self.maps_neck([cells])[0].view(b, h * w, -1))
            boxes = [s.view_boxes[v] for s in data_samples]
            locations.append(feature_positions(boxes, h, w, f.device))
        return self.head.loss(embeddings, maps, locations)
