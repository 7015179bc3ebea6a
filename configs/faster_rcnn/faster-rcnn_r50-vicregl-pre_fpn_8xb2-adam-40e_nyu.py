# Faster R-CNN R50-FPN fine-tuned from the VICRegL backbone, set up as
# ./faster-rcnn_r50-barlowtwins-pre_fpn_8xb2-adam-40e_nyu.py with the other checkpoint.
_base_ = './faster-rcnn_r50_fpn_8xb2-adam-40e_nyu.py'

ckpt = 'work_dirs/vicregl_resnet50_8xb64-coslr-100e_nyu/epoch_100.pth'
pretrained = dict(_delete_=True, type='Pretrained', checkpoint=ckpt, prefix='backbone.')
model = dict(backbone=dict(norm_cfg=dict(type='SyncBN', requires_grad=True), init_cfg=pretrained))
