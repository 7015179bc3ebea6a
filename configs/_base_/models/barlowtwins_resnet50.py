# Barlow Twins, ResNet-50, as in mmpretrain with the report's 2048-wide projector, and the LARS
# optimizer that goes with it (its exclusions name this model's layers). Shared by the full-scale
# and the demo-scale primitives in configs/barlowtwins/.
proj_width = 2048  # the report's; the paper's is 8192
model = dict(
    type='BarlowTwins',
    backbone=dict(type='ResNet', depth=50, norm_cfg=dict(type='SyncBN'), zero_init_residual=True),
    neck=dict(
        type='NonLinearNeck',
        in_channels=2048,
        hid_channels=proj_width,
        out_channels=proj_width,
        num_layers=3,
        with_last_bn=False,
        with_last_bn_affine=False,
        with_avg_pool=True,
        init_cfg=dict(type='Kaiming', distribution='uniform', layer=['Linear']),
    ),
    # mmpretrain's LatentCrossCorrelationHead is wrong under DDP (per-process normalisation,
    # all_reduce without gradient): this one equals one process on the whole batch.
    head=dict(type='GatheredCrossCorrelationHead', in_channels=proj_width),
)

# LARS as in mmpretrain; lr 0.2 per 256 images (the paper's) -> 0.4 for 512
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='LARS', lr=0.4, momentum=0.9, weight_decay=1e-6),
    paramwise_cfg=dict(
        custom_keys={
            'bn': dict(decay_mult=0, lr_mult=0.024, lars_exclude=True),
            'bias': dict(decay_mult=0, lr_mult=0.024, lars_exclude=True),
            'downsample.1': dict(decay_mult=0, lr_mult=0.024, lars_exclude=True),
        }
    ),
)
