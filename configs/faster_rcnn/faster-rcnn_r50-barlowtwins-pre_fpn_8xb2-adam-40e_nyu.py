# Faster R-CNN R50-FPN fine-tuned from the Barlow Twins backbone (the report's first row), every
# stage and BN trained (the parent's), BN synced across GPUs (BN on one device). Another
# checkpoint: --cfg-options model.backbone.init_cfg.checkpoint=PATH (a backbone-only one from
# tools/extract_backbone.py with model.backbone.init_cfg.prefix=None). The load is refused
# unless >= 95% of the backbone's parameters come from the checkpoint.
_base_ = './faster-rcnn_r50_fpn_8xb2-adam-40e_nyu.py'

ckpt = 'work_dirs/barlowtwins_resnet50_8xb64-coslr-150e_nyu/epoch_150.pth'
pretrained = dict(_delete_=True, type='Pretrained', checkpoint=ckpt, prefix='backbone.')
model = dict(backbone=dict(norm_cfg=dict(type='SyncBN', requires_grad=True), init_cfg=pretrained))
