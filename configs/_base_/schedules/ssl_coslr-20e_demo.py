# The demo-scale SSL schedule (one process, 64 images a batch, the embedded demo data): 2 warm-up
# epochs, then cosine over 18 to 5e-5; diagnostics every 10 iterations (a primitive appends the
# k-NN probe of its data: datasets/nyu_detection_splits.py's demo_knn_probe).
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=18, eta_min=5e-5, by_epoch=True, begin=2, end=20,
         convert_to_iter_based=True),
]  # fmt: skip
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20)
auto_scale_lr = dict(base_batch_size=64)
custom_hooks = [dict(type='SSLDiagnosticsHook', interval=10)]
