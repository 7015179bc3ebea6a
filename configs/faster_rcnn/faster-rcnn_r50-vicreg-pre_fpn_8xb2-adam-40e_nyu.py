# Faster R-CNN R50-FPN fine-tuned from the VICReg backbone (the report's second row).
_base_ = './faster-rcnn_r50_fpn_8xb2-adam-40e_nyu.py'

# The SSL run's last checkpoint. Another one: --cfg-options
# model.backbone.init_cfg.checkpoint=PATH (a full SSL checkpoint, or a backbone-only one from
# tools/extract_backbone.py with model.backbone.init_cfg.prefix=None).
ssl_work_dir = 'work_dirs/vicreg_resnet50_8xb64-coslr-100e_nyu'
model = dict(
    backbone=dict(
        # The SSL backbone's BN statistics come from augmented unlabeled crops: train them
        # (norm_eval=False) and sync them across GPUs (mmengine turns SyncBN into BN on one
        # device). Every stage is fine-tuned, as in the report.
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        frozen_stages=-1,
        # Refused unless >= 95% of the backbone's parameters come from the checkpoint.
        init_cfg=dict(
            _delete_=True,  # the parent's init_cfg is None
            type='Pretrained',
            checkpoint=ssl_work_dir + '/epoch_100.pth',
            prefix='backbone.',
        ),
    )
)
