# DETR R50 fine-tuned from the Barlow Twins backbone (the report's "DETR" row, which scored 0
# after too few epochs): mmdet's 150-epoch recipe, all stages and BN trained (the parent's: the
# SSL statistics come from augmented unlabeled crops), BN synced across GPUs. Another
# checkpoint: --cfg-options model.backbone.init_cfg.checkpoint=PATH.
_base_ = './detr_r50_8xb2-150e_nyu.py'

ckpt = 'work_dirs/barlowtwins_resnet50_8xb64-coslr-150e_nyu/epoch_150.pth'
pretrained = dict(_delete_=True, type='Pretrained', checkpoint=ckpt, prefix='backbone.')
model = dict(backbone=dict(norm_cfg=dict(type='SyncBN', requires_grad=True), init_cfg=pretrained))
