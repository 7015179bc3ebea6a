# BYOL with the demo's Swin (issue 26's control for the Swin Barlow Twins row): a momentum target
# network and an asymmetric predictor, the ingredients MoBY (the Swin authors' SSL recipe) adds
# to a contrastive loss. The Swin Barlow Twins demo run with only the model's method swapped
# (mmpretrain's BYOL); backbone, views, AdamW, schedule and hooks are that run's (on its bases).
_base_ = [
    '../barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py',
    '../_base_/models/swin-t.py',
]

proj_width = 512  # hidden width of projector and predictor, the Barlow Twins run's projector
# BYOL's two-layer MLP, as projector (on the pooled backbone map) and as predictor
mlp = dict(
    type='NonLinearNeck',
    hid_channels=proj_width,
    out_channels=128,
    num_layers=2,
    with_bias=True,
    with_last_bn=False,
)
model = dict(
    _delete_=True,
    type='BYOL',
    base_momentum=0.01,  # target = 0.99 x target + 0.01 x online, cosine to 1 over the run
    backbone=dict(_base_.swin_demo_backbone, out_indices=(3,)),
    neck=dict(mlp, in_channels=256, with_avg_pool=True),
    head=dict(
        type='LatentPredictHead',
        predictor=dict(mlp, in_channels=128, with_avg_pool=False),
        loss=dict(type='CosineSimilarityLoss'),
    ),
)
optim_wrapper = dict(_base_.swin_demo_ssl_optim_wrapper, _delete_=True)
