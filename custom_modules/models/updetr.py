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

import copy
import inspect
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.dense_heads import DETRHead
from mmdet.models.detectors import DETR
from mmdet.models.layers import MLP
from mmdet.models.task_modules.assigners.match_cost import BaseMatchCost
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, get_box_tensor
from mmdet.utils import reduce_mean
from mmengine.registry import WEIGHT_INITIALIZERS, build_from_cfg
from mmengine.structures import InstanceData
from torch import Tensor
from torchvision.ops import roi_align

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


@TASK_UTILS.register_module()
class QueryGroupCost(BaseMatchCost):
    """A Hungarian match cost that keeps each query patch to its own group of queries: ``weight``
    where query ``i`` belongs to another patch's group than ground truth ``j`` (group of ``i``
    = ``i // (num_queries // num_patches)``; UP-DETR's ground truths are the patches, in
    order), 0 inside it. Not in the paper, whose matching is DETR's over all queries: there a
    query is often matched to another group's patch, so being given patch ``j`` is rewarded
    only when the matching happens to pair it with ``j``. ``UPDETR(match_within_groups=True)``
    adds it to the assigner's ``match_costs`` (a weight far above the others makes the
    matching block-diagonal).
    """

    def __call__(self, pred_instances, gt_instances, img_meta=None, **kwargs) -> Tensor:
        n, m = len(pred_instances), len(gt_instances)
        if m == 0:
            return pred_instances.scores.new_zeros(n, 0)
        if n % m:
            raise ValueError(f'{n} queries cannot be split into groups for {m} patches')
        group = torch.arange(n, device=pred_instances.scores.device) // (n // m)
        other = group[:, None] != torch.arange(m, device=group.device)[None]
        return other.to(pred_instances.scores.dtype) * self.weight


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
        patch_source (str): What a query is given for its patch. ``'crop'`` (the paper's):
            the backbone's pooled feature of the resized crop. Two positive controls that make
            the search easier, to tell a pipeline that cannot learn to use its queries from a
            task that is hard: ``'region'``, the pooled feature of the patch's box on the
            image's own backbone map (the very features the encoder sees, so matching is exact)
            and ``'box'``, fixed random Fourier features of the box (centre and size relative to
            the image: nothing to search for). Defaults to ``'crop'``.
        patch_to (str): Where a query's projected patch feature is added: ``'position'`` (the
            paper's and the official code's: the query positions, so the patch acts only
            through the attention weights) or ``'content'`` (the decoder's input queries, which
            start at zero in DETR: the patch then also reaches the values and the heads).
            Defaults to ``'position'``.
        match_within_groups (bool): Add :class:`QueryGroupCost` (weight 100) to the Hungarian
            assigner's costs, so that each patch is matched only within its own group of
            queries (not in the paper). Defaults to False.
        **kwargs: :class:`mmdet.models.DETR`'s arguments; ``bbox_head`` an
            :class:`UPDETRHead` with ``num_classes=1``.
    """

    def __init__(
        self,
        *args,
        num_patches: int = 10,
        patch_channels: int = 2048,
        patch_dropout: float = 0.1,
        patch_source: str = 'crop',
        patch_to: str = 'position',
        match_within_groups: bool = False,
        **kwargs,
    ):
        if match_within_groups:
            train_cfg = copy.deepcopy(kwargs['train_cfg'])
            costs = list(train_cfg['assigner']['match_costs'])
            train_cfg['assigner']['match_costs'] = costs + [
                dict(type='QueryGroupCost', weight=100.0)
            ]
            kwargs['train_cfg'] = train_cfg
        if patch_source not in ('crop', 'region', 'box'):
            raise ValueError(
                f"patch_source must be 'crop', 'region' or 'box', not {patch_source!r}"
            )
        if patch_to not in ('position', 'content'):
            raise ValueError(f"patch_to must be 'position' or 'content', not {patch_to!r}")
        self.patch_to = patch_to
        self.num_patches = num_patches
        self.patch_channels = patch_channels
        self.patch_dropout = patch_dropout
        self.patch_source = patch_source
        super().__init__(*args, **kwargs)
        if self.num_queries % num_patches:
            raise ValueError(
                f'num_queries ({self.num_queries}) must be a multiple of num_patches '
                f'({num_patches}): each patch gets a group of num_queries // num_patches queries'
            )

    def _init_layers(self) -> None:
        super()._init_layers()
        self.patch2query = nn.Linear(self.patch_channels, self.embed_dims)
        if self.patch_source == 'box':  # fixed frequencies, the same in every run
            g = torch.Generator().manual_seed(0)
            freqs = 4.0 * torch.randn(4, self.patch_channels // 2, generator=g)
            self.register_buffer('box_freqs', freqs, persistent=False)

    def extract_feat(self, batch_inputs: Tensor) -> Tuple[Tensor]:
        """DETR's, keeping the backbone's last map for ``patch_source='region'``."""
        x = self.backbone(batch_inputs)
        if self.patch_source == 'region':
            self._region_map = (x[-1], batch_inputs.shape[-1])
        return self.neck(x) if self.with_neck else x

    # ---- patches ---------------------------------------------------------------------------
    def encode_patches(self, batch_data_samples: SampleList) -> Tensor:
        """Backbone + global average pooling of the query patches.

        Returns:
            Tensor: (B, M, patch_channels).
        """
        if self.patch_source == 'region':
            return self.region_features(*self._region_map, batch_data_samples)
        if self.patch_source == 'box':
            return self.box_features(batch_data_samples)
        patches = torch.stack(
            [torch.as_tensor(s.metainfo['query_patches']) for s in batch_data_samples]
        )  # (B, M, S, S, 3) uint8
        b, m = patches.shape[:2]
        x = normalize_like(self.data_preprocessor, patches.flatten(0, 1).permute(0, 3, 1, 2))
        trainable = any(p.requires_grad for p in self.backbone.parameters())
        with torch.set_grad_enabled(torch.is_grad_enabled() and trainable):
            feats = self.backbone(x)[-1].mean(dim=(2, 3))
        return feats.view(b, m, -1)

    def region_features(self, fmap: Tensor, input_width: int, samples: SampleList) -> Tensor:
        """(B, M, C): the 2 x 2 RoIAlign of each patch box (``gt_instances``) on ``fmap``, the
        backbone map of inputs ``input_width`` pixels wide, averaged."""
        boxes = [get_box_tensor(s.gt_instances.bboxes).to(fmap) for s in samples]
        scale = fmap.shape[-1] / input_width
        regions = roi_align(fmap, boxes, output_size=2, spatial_scale=scale, aligned=True)
        return regions.mean(dim=(2, 3)).view(len(samples), -1, fmap.shape[1])

    def box_features(self, samples: SampleList) -> Tensor:
        """(B, M, patch_channels): sin/cos of fixed random projections of each patch box's
        centre and size, relative to the image (``img_shape``)."""
        feats = []
        for s in samples:
            b = get_box_tensor(s.gt_instances.bboxes).to(self.box_freqs)
            h, w = s.metainfo['img_shape'][:2]
            v = torch.stack([(b[:, 0] + b[:, 2]) / (2 * w), (b[:, 1] + b[:, 3]) / (2 * h),
                             (b[:, 2] - b[:, 0]) / w, (b[:, 3] - b[:, 1]) / h], 1)  # fmt: skip
            a = 2 * torch.pi * v @ self.box_freqs
            feats.append(torch.cat([a.sin(), a.cos()], 1))
        return torch.stack(feats)

    @torch.no_grad()
    def patch_and_region_features(
        self, batch_inputs: Tensor, batch_data_samples: SampleList
    ) -> Tuple[Tensor, Tensor]:
        """What the decoder has to match: each query patch's feature (``encode_patches``) and
        the feature of the image region the patch was cut from (RoIAlign, 2 x 2, averaged, on
        the backbone's last map of the whole image; the boxes are ``gt_instances``).

        Returns:
            tuple[Tensor, Tensor]: (B, M, patch_channels) each.
        """
        patch_feats = self.encode_patches(batch_data_samples)
        fmap = self.backbone(batch_inputs)[-1]
        return patch_feats, self.region_features(fmap, batch_inputs.shape[-1], batch_data_samples)

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
        """DETR's transformer with the patch features added to the query positions (or, with
        ``patch_to='content'``, to the queries)."""
        if patch_feats is None:
            patch_feats = self.encode_patches(batch_data_samples)
        encoder_inputs, decoder_inputs = self.pre_transformer(img_feats, batch_data_samples)
        encoder_outputs = self.forward_encoder(**encoder_inputs)
        tmp, head_inputs = self.pre_decoder(**encoder_outputs)
        decoder_inputs.update(tmp)
        key = 'query_pos' if self.patch_to == 'position' else 'query'
        decoder_inputs[key] = decoder_inputs[key] + self.patch_queries(patch_feats)
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
