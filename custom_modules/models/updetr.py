"""UP-DETR (Dai et al., CVPR 2021): DETR pretrained by detecting random query patches.

Each image comes with ``M`` random crops (``RandomQueryPatches``). A crop is encoded by the
(frozen) CNN backbone and global average pooling, projected to the transformer width and added
to the positional part of ``N / M`` object queries (one group per patch; a query's patch
feature is dropped with probability 0.1). A block-diagonal mask keeps the groups from seeing
each other in the decoder's self-attention. The targets are the crops' boxes, one class
("patch"), matched by the Hungarian algorithm with DETR's costs and losses (cross-entropy, L1,
GIoU), plus the feature reconstruction loss: MSE between the L2-normalised backbone feature of
a patch and the decoder's reconstruction of it from its matched query.
"""

import inspect
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.dense_heads import DETRHead
from mmdet.models.detectors import DETR
from mmdet.models.layers import MLP
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy
from mmdet.utils import reduce_mean
from mmengine.registry import WEIGHT_INITIALIZERS, build_from_cfg
from mmengine.structures import InstanceData
from torch import Tensor

from ..patches import detr_class_weight
from .preprocess import normalize_like

DETR_LOSS_CLS = inspect.signature(DETRHead.__init__).parameters['loss_cls'].default


@MODELS.register_module()
class PretrainedDETR(DETR):
    """DETR that loads a model-level ``init_cfg=dict(type='Pretrained', ...)`` last.

    mmdet's ``DETR.init_weights`` re-initialises the encoder and decoder (Xavier) after
    mmengine has loaded a model-level ``Pretrained`` checkpoint, so a transformer loaded that
    way is silently thrown away. Here the checkpoint is loaded after that step, by this
    project's ``Pretrained`` (``CheckedPretrainedInit``), which refuses a checkpoint providing
    fewer than ``min_loaded`` of the parameters. Parameters whose shapes differ (a class head
    for another number of classes, another number of queries) keep their fresh
    initialisation. Takes the arguments of :class:`mmdet.models.DETR`.
    """

    def init_weights(self) -> None:
        cfgs = self.init_cfg if isinstance(self.init_cfg, list) else [self.init_cfg]
        cfgs = [c for c in cfgs if c]
        pretrained = [c for c in cfgs if c.get('type') == 'Pretrained']
        self.init_cfg = [c for c in cfgs if c.get('type') != 'Pretrained'] or None
        try:
            super().init_weights()
        finally:
            self.init_cfg = cfgs or None
        for cfg in pretrained:
            build_from_cfg(dict(cfg), WEIGHT_INITIALIZERS)(self)


@MODELS.register_module()
class UPDETRHead(DETRHead):
    """DETR's head plus UP-DETR's feature reconstruction branch and loss.

    Args:
        feat_channels (int): Width of the pooled backbone feature to reconstruct (2048 for
            ResNet-50).
        loss_feature_weight (float): Weight of the reconstruction loss. Defaults to 1.0 (the
            paper's).
        **kwargs: :class:`mmdet.models.dense_heads.DETRHead`'s arguments; ``num_classes=1``
            (patch) for pretraining.
    """

    # as mmdet's DETRHead: autocast decides (its losses are modules, in fp32)
    autocast_precision = 'autocast'

    def __init__(
        self, *args, feat_channels: int = 2048, loss_feature_weight: float = 1.0, **kwargs
    ):
        self.feat_channels = feat_channels
        self.loss_feature_weight = loss_feature_weight
        # DETRHead weights the no-object class only for its own class (patches.py)
        loss_cls = kwargs.get('loss_cls', DETR_LOSS_CLS)
        kwargs['loss_cls'], bg_cls_weight = detr_class_weight(loss_cls, kwargs['num_classes'])
        super().__init__(*args, **kwargs)
        if bg_cls_weight is not None:
            self.bg_cls_weight = bg_cls_weight

    def _init_layers(self) -> None:
        super()._init_layers()
        self.feature_align = MLP(self.embed_dims, self.embed_dims, self.feat_channels, 2)

    def forward(self, hidden_states: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Args: hidden_states (L, B, N, D). Returns: class scores (L, B, N, num_classes + 1),
        boxes (L, B, N, 4) normalised cxcywh, and the last layer's reconstructed patch
        features (B, N, feat_channels)."""
        cls_scores, bbox_preds = super().forward(hidden_states)
        return cls_scores, bbox_preds, self.feature_align(hidden_states[-1])

    def loss_by_feat(
        self,
        all_layers_cls_scores: Tensor,
        all_layers_bbox_preds: Tensor,
        feat_preds: Tensor,
        batch_gt_instances: List[InstanceData],
        batch_img_metas: List[dict],
        batch_gt_instances_ignore=None,
    ) -> Dict[str, Tensor]:
        """DETR's losses on every decoder layer, plus ``loss_feature`` on the last one.

        ``batch_gt_instances[i].feats`` (M, feat_channels) holds the patches' backbone
        features (set by :class:`UPDETR`).
        """
        losses = super().loss_by_feat(
            all_layers_cls_scores,
            all_layers_bbox_preds,
            batch_gt_instances,
            batch_img_metas,
            batch_gt_instances_ignore,
        )
        losses['loss_feature'] = self.feature_loss(
            all_layers_cls_scores[-1],
            all_layers_bbox_preds[-1],
            feat_preds,
            batch_gt_instances,
            batch_img_metas,
        )
        return losses

    def match(
        self, cls_score: Tensor, bbox_pred: Tensor, gt_instances: InstanceData, img_meta: dict
    ) -> Tuple[Tensor, Tensor]:
        """Hungarian matching of one image, as in ``DETRHead._get_targets_single``.

        Args: cls_score (N, num_classes + 1); bbox_pred (N, 4) normalised cxcywh.
        Returns: (query indices, matched gt indices), both (num_matched,).
        """
        img_h, img_w = img_meta['img_shape']
        factor = bbox_pred.new_tensor([img_w, img_h, img_w, img_h]).unsqueeze(0)
        pred = InstanceData(scores=cls_score, bboxes=bbox_cxcywh_to_xyxy(bbox_pred) * factor)
        assign = self.assigner.assign(
            pred_instances=pred, gt_instances=gt_instances, img_meta=img_meta
        )
        pos = torch.nonzero(assign.gt_inds > 0).squeeze(-1).unique()
        return pos, assign.gt_inds[pos] - 1

    def feature_loss(
        self, cls_scores, bbox_preds, feat_preds, batch_gt_instances, batch_img_metas
    ) -> Tensor:
        """UP-DETR's ``loss_feature``: sum of squared differences of the L2-normalised
        reconstructed and backbone features over the matched queries, divided by the number
        of patches (averaged over processes, like DETR's box losses), times the weight."""
        pred, target = [], []
        for i, gt in enumerate(batch_gt_instances):
            with torch.no_grad():
                q, g = self.match(cls_scores[i], bbox_preds[i], gt, batch_img_metas[i])
            pred.append(feat_preds[i][q])
            target.append(gt.feats[g])
        pred, target = F.normalize(torch.cat(pred), dim=1), F.normalize(torch.cat(target), dim=1)
        num_patches = feat_preds.new_tensor([sum(len(gt) for gt in batch_gt_instances)])
        num_patches = torch.clamp(reduce_mean(num_patches), min=1).item()
        loss = F.mse_loss(pred, target.detach(), reduction='sum') / num_patches
        return self.loss_feature_weight * loss

    def predict_by_feat(
        self,
        layer_cls_scores: Tensor,
        layer_bbox_preds: Tensor,
        feat_preds: Tensor,
        batch_img_metas: List[dict],
        rescale: bool = True,
    ) -> List[InstanceData]:
        """DETR's post-processing; the reconstructed features are not needed."""
        return super().predict_by_feat(
            layer_cls_scores, layer_bbox_preds, batch_img_metas=batch_img_metas, rescale=rescale
        )


@MODELS.register_module()
class UPDETR(PretrainedDETR):
    """UP-DETR pretraining: DETR that detects random query patches of unlabeled images.

    Every data sample carries ``metainfo['query_patches']`` (uint8, (M, S, S, 3), the image's
    colour order) and the patches' boxes as ``gt_instances`` (``RandomQueryPatches`` makes
    both). Freeze the CNN backbone as in the paper with ``backbone=dict(frozen_stages=4,
    norm_eval=True)``; the patch features then carry no gradient.

    Args:
        num_patches (int): Query patches per image ``M``; ``num_queries`` must be a multiple
            (one group of ``num_queries // M`` queries per patch). Defaults to 10.
        patch_channels (int): Width of the backbone's last output (2048 for ResNet-50).
        patch_dropout (float): Probability that a query's patch feature is dropped during
            training. Defaults to 0.1.
        **kwargs: :class:`mmdet.models.DETR`'s arguments; ``bbox_head`` an
            :class:`UPDETRHead` with ``num_classes=1``.
    """

    def __init__(
        self,
        *args,
        num_patches: int = 10,
        patch_channels: int = 2048,
        patch_dropout: float = 0.1,
        **kwargs,
    ):
        self.num_patches = num_patches
        self.patch_channels = patch_channels
        self.patch_dropout = patch_dropout
        super().__init__(*args, **kwargs)
        if self.num_queries % num_patches:
            raise ValueError(
                f'num_queries ({self.num_queries}) must be a multiple of num_patches '
                f'({num_patches}): each patch gets a group of num_queries // num_patches queries'
            )

    def _init_layers(self) -> None:
        super()._init_layers()
        self.patch2query = nn.Linear(self.patch_channels, self.embed_dims)

    # ---- patches ---------------------------------------------------------------------------
    def encode_patches(self, batch_data_samples: SampleList) -> Tensor:
        """Backbone + global average pooling of the query patches.

        Returns:
            Tensor: (B, M, patch_channels).
        """
        patches = torch.stack(
            [torch.as_tensor(s.metainfo['query_patches']) for s in batch_data_samples]
        )  # (B, M, S, S, 3) uint8
        b, m = patches.shape[:2]
        x = normalize_like(self.data_preprocessor, patches.flatten(0, 1).permute(0, 3, 1, 2))
        trainable = any(p.requires_grad for p in self.backbone.parameters())
        with torch.set_grad_enabled(torch.is_grad_enabled() and trainable):
            feats = self.backbone(x)[-1].mean(dim=(2, 3))
        return feats.view(b, m, -1)

    def patch_queries(self, patch_feats: Tensor) -> Tensor:
        """(B, M, C) patch features -> (B, N, D) additions to the query positions: patch ``j``
        goes to queries ``[j * N/M, (j + 1) * N/M)``, each dropped with ``patch_dropout``
        during training."""
        q = self.patch2query(patch_feats).repeat_interleave(
            self.num_queries // self.num_patches, dim=1
        )
        if self.training and self.patch_dropout > 0:
            keep = torch.rand(q.shape[:2] + (1,), device=q.device) >= self.patch_dropout
            q = q * keep.to(q.dtype)
        return q

    def group_attn_mask(self, device=None) -> Tensor:
        """(N, N) bool, True where query ``i`` may not attend to query ``j`` (another
        group): the block-diagonal self-attention mask."""
        group = torch.arange(self.num_queries, device=device) // (
            self.num_queries // self.num_patches
        )
        return group[:, None] != group[None, :]

    # ---- transformer -----------------------------------------------------------------------
    def forward_transformer(
        self,
        img_feats: Tuple[Tensor],
        batch_data_samples: SampleList,
        patch_feats: Optional[Tensor] = None,
    ) -> Dict:
        """DETR's transformer with the patch features added to the query positions."""
        if patch_feats is None:
            patch_feats = self.encode_patches(batch_data_samples)
        encoder_inputs, decoder_inputs = self.pre_transformer(img_feats, batch_data_samples)
        encoder_outputs = self.forward_encoder(**encoder_inputs)
        tmp, head_inputs = self.pre_decoder(**encoder_outputs)
        decoder_inputs.update(tmp)
        decoder_inputs['query_pos'] = decoder_inputs['query_pos'] + self.patch_queries(patch_feats)
        head_inputs.update(self.forward_decoder(**decoder_inputs))
        return head_inputs

    def forward_decoder(
        self,
        query: Tensor,
        query_pos: Tensor,
        memory: Tensor,
        memory_mask: Tensor,
        memory_pos: Tensor,
    ) -> Dict:
        hidden_states = self.decoder(
            query=query,
            key=memory,
            value=memory,
            query_pos=query_pos,
            key_pos=memory_pos,
            key_padding_mask=memory_mask,
            self_attn_mask=self.group_attn_mask(query.device),
        )
        return dict(hidden_states=hidden_states)

    def loss(self, batch_inputs: Tensor, batch_data_samples: SampleList) -> Dict[str, Tensor]:
        img_feats = self.extract_feat(batch_inputs)
        patch_feats = self.encode_patches(batch_data_samples)
        for sample, feats in zip(batch_data_samples, patch_feats):
            sample.gt_instances.feats = feats.detach()
        head_inputs = self.forward_transformer(img_feats, batch_data_samples, patch_feats)
        return self.bbox_head.loss(**head_inputs, batch_data_samples=batch_data_samples)
