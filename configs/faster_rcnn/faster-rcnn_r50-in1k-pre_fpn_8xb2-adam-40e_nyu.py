# Faster R-CNN R50-FPN from torchvision's ImageNet-supervised ResNet-50: the reference point a
# user with internet access can add to the table (the weights are downloaded on first use).
_base_ = './faster-rcnn_r50_fpn_8xb2-adam-40e_nyu.py'

model = dict(
    # torchvision's weights expect ImageNet's normalisation, not the NYU data's.
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
    # mmdet's ImageNet recipe: frozen stem and first stage, BN statistics kept.
    backbone=dict(
        frozen_stages=1,
        norm_eval=True,
        init_cfg=dict(_delete_=True, type='Pretrained', checkpoint='torchvision://resnet50'),
    ),
)
