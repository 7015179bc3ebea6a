# The SSL schedule: linear warm-up, then cosine to 1/1000 of the lr, epoch-based but stepped per
# iteration (mmpretrain's Barlow Twins recipe; the official VICReg code's): 150 epochs, 10 of
# warm-up. And the SSL runs' diagnostics (a primitive appends the k-NN probe of its data:
# datasets/nyu_detection_splits.py's nyu_knn_probe).
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=140, eta_min=4e-4, by_epoch=True, begin=10, end=150,
         convert_to_iter_based=True),
]  # fmt: skip
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=150)
# 8 GPUs x 64 images, as in the file names.
auto_scale_lr = dict(base_batch_size=512)
custom_hooks = [
    # cross-correlation diagonal / off-diagonal and effective rank of a batch, in the log
    dict(type='SSLDiagnosticsHook', interval=100),
]
