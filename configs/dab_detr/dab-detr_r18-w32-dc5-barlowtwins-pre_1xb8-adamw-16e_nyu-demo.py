# The demo DAB-DETR from the demo Barlow Twins backbone, the transformer from random init,
# beside ./dab-detr_r18-w32-dc5_1xb8-adamw-16e_nyu-demo.py (same model, data and schedule).
# Another checkpoint: --cfg-options model.backbone.init_cfg.checkpoint=PATH.
_base_ = './dab-detr_r18-w32-dc5_1xb8-adamw-16e_nyu-demo.py'

ckpt = 'work_dirs/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo/epoch_20.pth'
# _delete_: the parent's init_cfg is None
pretrained = dict(_delete_=True, type='Pretrained', checkpoint=ckpt, prefix='backbone.')
model = dict(backbone=dict(init_cfg=pretrained))
