# DETR R50 fine-tuned from the Barlow Twins backbone (the report's "DETR" row, which scored 0
# after too few epochs): mmdet's 150-epoch recipe, all stages trained.
_base_ = './detr_r50_8xb2-150e_nyu.py'

# The SSL run's last checkpoint; another one: --cfg-options model.backbone.init_cfg.checkpoint=PATH
ssl_work_dir = 'work_dirs/barlowtwins_resnet50_8xb64-coslr-150e_nyu'
model = dict(
    backbone=dict(
        # The SSL backbone's BN statistics come from augmented unlabeled crops, not from
        # these images at this scale: train them (norm_eval=False) and sync them across GPUs
        # (SyncBN becomes BN on one device). mmdet's ImageNet recipe freezes BN instead.
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        # Refused unless >= 95% of the backbone's parameters come from the checkpoint.
        init_cfg=dict(
            _delete_=True,  # the parent's init_cfg is None
            type='Pretrained',
            checkpoint=ssl_work_dir + '/epoch_150.pth',
            prefix='backbone.',
        ),
    )
)
