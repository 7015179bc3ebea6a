# Barlow Twins, ResNet-50, on the NYU unlabeled images: mmpretrain's recipe with the report's
# changes (crop scale (0.4, 1), the data's mean/std, a 2048-wide projector, 150 epochs).
_base_ = [
    '../_base_/datasets/nyu_unlabeled_2view.py',
    'mmpretrain::_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=64)

# ---- model -------------------------------------------------------------------------------
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

# ---- optimizer: LARS as in mmpretrain; lr 0.2 per 256 images (the paper's) -> 0.4 for 512 --
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

# ---- schedule: 10 warm-up epochs, then cosine to 1/1000 --------------------------------------
max_epochs = 150
warmup_epochs = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=4e-4, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]  # fmt: skip
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)

# ---- runtime -------------------------------------------------------------------------------
# Crash-safe checkpoints (written atomically, the old one removed only after the new one is
# complete), a stop on NaN/Inf losses and per-epoch seeds (resume = uninterrupted run):
# custom_modules/hooks.
default_hooks = dict(
    checkpoint=dict(type='AtomicCheckpointHook', max_keep_ckpts=3),
    nonfinite=dict(type='NonFiniteLossHook', max_skips=0),
    epoch_seed=dict(type='EpochSeedHook'),
)
custom_hooks = [
    # cross-correlation diagonal / off-diagonal and effective rank of a batch, in the log
    dict(type='SSLDiagnosticsHook', interval=100),
    # k-NN top-1 on object crops of the labeled splits, before training and every 5 epochs
    dict(type='KNNProbeHook', data_root=_base_.data_root, crop_size=64, interval=5),
]
# 8 GPUs x 64 images, as in the file name.
auto_scale_lr = dict(base_batch_size=512)
