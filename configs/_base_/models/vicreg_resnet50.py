# VICReg, ResNet-50, with the report's 2048-wide expander, and the official code's LARS (its
# exclusions name this model's layers). Shared by the full-scale and the demo-scale primitives in
# configs/vicreg/.
exp_width = 2048  # the report's; the paper's is 8192
model = dict(
    type='VICReg',
    backbone=dict(type='ResNet', depth=50, norm_cfg=dict(type='SyncBN'), zero_init_residual=True),
    neck=dict(
        type='VICRegExpander', in_channels=2048, hid_channels=exp_width, out_channels=exp_width
    ),
    # the paper's coefficients: invariance 25, variance 25, covariance 1
    head=dict(
        type='VICRegHead',
        loss=dict(type='VICRegLoss', sim_coeff=25.0, std_coeff=25.0, cov_coeff=1.0, eps=1e-4),
    ),
)

# LARS, base lr 0.2 x batch / 256 (the official code) -> 0.4 for 512, wd 1e-6; the official LARS
# excludes biases and norm weights (ndim == 1) from decay and adaptation
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='LARS', lr=0.4, momentum=0.9, weight_decay=1e-6),
    paramwise_cfg=dict(
        custom_keys={
            'bn': dict(decay_mult=0, lars_exclude=True),
            'bias': dict(decay_mult=0, lars_exclude=True),
            'downsample.1': dict(decay_mult=0, lars_exclude=True),
            'mlp.1': dict(decay_mult=0, lars_exclude=True),
            'mlp.4': dict(decay_mult=0, lars_exclude=True),
        }
    ),
)
