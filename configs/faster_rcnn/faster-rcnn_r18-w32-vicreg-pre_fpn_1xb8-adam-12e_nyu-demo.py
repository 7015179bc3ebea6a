# The demo detector from the demo VICReg backbone, same budget as its random-init parent.
_base_ = './faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py'

ckpt = 'work_dirs/vicreg_resnet18-w32_1xb64-coslr-20e_nyu-demo/epoch_20.pth'
# _delete_: the parent's init_cfg is None
pretrained = dict(_delete_=True, type='Pretrained', checkpoint=ckpt, prefix='backbone.')
model = dict(backbone=dict(init_cfg=pretrained))
