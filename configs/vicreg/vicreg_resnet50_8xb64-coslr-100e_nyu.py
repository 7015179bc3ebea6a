# VICReg, ResNet-50, on the NYU unlabeled images: the official recipe (LARS, warm-up, cosine)
# with the report's changes: the same augmentations as Barlow Twins, the data's mean/std, a
# 2048-wide expander, 100 epochs.
_base_ = [
    '../_base_/datasets/nyu_unlabeled_2view.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/nyu_runtime.py',
]

train_dataloader = dict(batch_size=64)

# ---- model -------------------------------------------------------------------------------
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

# ---- optimizer: LARS, base lr 0.2 x batch / 256 (the official code) -> 0.4 for 512, wd 1e-6 --
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='LARS', lr=0.4, momentum=0.9, weight_decay=1e-6),
    # the official LARS excludes biases and norm weights (ndim == 1) from decay and adaptation
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

# ---- schedule: 10 warm-up epochs, then cosine to 1/1000 (the official code) ----------------
max_epochs = 100
warmup_epochs = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=4e-4, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]  # fmt: skip
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)

# ---- runtime -------------------------------------------------------------------------------
default_hooks = _base_.ssl_hooks
custom_hooks = [
    # cross-correlation diagonal / off-diagonal and effective rank of a batch, in the log
    dict(type='SSLDiagnosticsHook', interval=100),
    # k-NN top-1 on object crops of the labeled splits, before training and every 5 epochs
    dict(type='KNNProbeHook', data_root=_base_.data_root, crop_size=64, interval=5),
]
# 8 GPUs x 64 images, as in the file name.
auto_scale_lr = dict(base_batch_size=512)
