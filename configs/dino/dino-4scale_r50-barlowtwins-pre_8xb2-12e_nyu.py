# DINO-4scale R50 fine-tuned from the Barlow Twins backbone, set up as
# configs/detr/detr_r50-barlowtwins-pre_8xb2-150e_nyu.py: the DETR-family row that can converge
# in the report's budget (12 epochs, where plain DETR needs 150+).
_base_ = './dino-4scale_r50_8xb2-12e_nyu.py'

ckpt = 'work_dirs/barlowtwins_resnet50_8xb64-coslr-150e_nyu/epoch_150.pth'
pretrained = dict(_delete_=True, type='Pretrained', checkpoint=ckpt, prefix='backbone.')
model = dict(backbone=dict(norm_cfg=dict(type='SyncBN', requires_grad=True), init_cfg=pretrained))
