# The demo detector from the demo VICRegL backbone, 6 epochs (as the random-init 6e leaf).
_base_ = './faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py'

ckpt = 'work_dirs/vicregl_resnet18-w32_1xb64-coslr-20e_nyu-demo/epoch_20.pth'
# _delete_: the parent's init_cfg is None
pretrained = dict(_delete_=True, type='Pretrained', checkpoint=ckpt, prefix='backbone.')
model = dict(backbone=dict(init_cfg=pretrained))
# 6 epochs, lr halved at 4 (MultiStepLR)
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=6, milestones=[4]),
]
