# Barlow Twins, ResNet-50, on the NYU unlabeled images: mmpretrain's recipe with the report's
# changes (crop scale (0.4, 1), the data's mean/std, a 2048-wide projector, 150 epochs).
_base_ = [
    '../_base_/datasets/nyu_unlabeled_2view.py',
    '../_base_/models/barlowtwins_resnet50.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/nyu_runtime.py',
]

train_dataloader = dict(batch_size=64)

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
default_hooks = _base_.ssl_hooks
custom_hooks = [
    # cross-correlation diagonal / off-diagonal and effective rank of a batch, in the log
    dict(type='SSLDiagnosticsHook', interval=100),
    # k-NN top-1 on object crops of the labeled splits, before training and every 5 epochs
    dict(type='KNNProbeHook', data_root=_base_.data_root, crop_size=64, interval=5),
]
# 8 GPUs x 64 images, as in the file name.
auto_scale_lr = dict(base_batch_size=512)
