# The demo Swin Faster R-CNN from the demo Swin Barlow Twins backbone (same class and keys; the
# load refuses a checkpoint that fits less than 95% of the backbone), 6 epochs as its
# random-init twin.
_base_ = ['./faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py', '../_base_/models/swin-t.py']

ckpt = 'work_dirs/barlowtwins_swin-w32_1xb64-adamw-coslr-20e_nyu-demo/epoch_20.pth'
# pretraining made only the last stage's output norm: norm0-2 start fresh
pretrained = dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.')
model = dict(
    backbone=dict(
        _base_.swin_demo_backbone, _delete_=True, out_indices=(0, 1, 2, 3), init_cfg=pretrained
    )
)

# ---- optimizer: as the random-init twin ------------------------------------------------------
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=4e-4, weight_decay=0.05, fused=True),
    paramwise_cfg=dict(custom_keys=_base_.swin_no_decay),
)
# 6 epochs, lr halved at 4 (MultiStepLR)
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=6, milestones=[4]),
]
