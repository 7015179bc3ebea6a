# The demo DETR with only the backbone pretrained (the demo Barlow Twins run), the transformer
# from random init: the report's "Barlow Twins + DETR" row at demo scale, beside
# ./detr_r18-w32-updetr-pre_1xb8-adamw-12e_nyu-demo.py (same model, data and schedule).
_base_ = './detr_r18-w32_1xb8-adamw-12e_nyu-demo.py'

ckpt = 'work_dirs/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo/epoch_20.pth'
# _delete_: the parent's init_cfg is None
pretrained = dict(_delete_=True, type='Pretrained', checkpoint=ckpt, prefix='backbone.')
model = dict(backbone=dict(init_cfg=pretrained))
