# The demo Faster R-CNN with the demo's Swin backbone (mmpretrain's SwinTransformer at a third
# of Swin-T's width; its stages have the demo ResNet-18's channels, so the FPN and heads are the
# parent's), random init, 6 epochs as the ResNet-18 6e leaf: the working counterpart of the
# report's Swin row, beside its Barlow Twins twin.
_base_ = ['./faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py', '../_base_/models/swin-t.py']

model = dict(backbone=dict(_base_.swin_demo_backbone, _delete_=True, out_indices=(0, 1, 2, 3)))

# ---- optimizer: the parent's lr with AdamW and mmdet's Swin decay rules ----------------------
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
