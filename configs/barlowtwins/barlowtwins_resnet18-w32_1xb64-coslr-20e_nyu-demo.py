# Barlow Twins on the embedded demo data (tools/make_demo_data.py), shrunk for a 2-core CPU:
# ResNet-18 at half width (the demo detector's backbone), 64 px views, a 512-wide projector.
# The full-scale recipe's sibling on the same bases.
_base_ = [
    '../_base_/datasets/nyu_unlabeled_2view.py',
    '../_base_/models/barlowtwins_resnet50.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/nyu_runtime.py',
]

data_root = 'data/demo/'
view_pipeline1 = _base_.view_pipeline1
view_pipeline2 = _base_.view_pipeline2
view_pipeline1[0].scale = 64  # the demo images are 96-160 px
view_pipeline2[0].scale = 64
# the base's pipeline (its libspng decoder included) with these views
train_pipeline = _base_.train_pipeline
train_pipeline[1].transforms = [view_pipeline1, view_pipeline2]  # MultiView
train_dataloader = dict(
    batch_size=64, num_workers=2, dataset=dict(data_root=data_root, pipeline=train_pipeline)
)

# ---- model -------------------------------------------------------------------------------
proj_width = 512
model = dict(
    backbone=dict(depth=18, stem_channels=32, base_channels=32, norm_cfg=dict(type='BN')),
    neck=dict(in_channels=256, hid_channels=proj_width, out_channels=proj_width),
    head=dict(in_channels=proj_width),
)

# ---- schedule: lr 0.2 per 256 images -> 0.05 for 64; 2 warm-up epochs -----------------------
max_epochs = 20
warmup_epochs = 2
# bf16 autocast + channels_last where the device has native bf16 (AMX-BF16 CPUs, GPUs), else
# fp32; losses stay fp32 (docs/measurements.md has the speed-up).
optim_wrapper = dict(type='BF16OptimWrapper', optimizer=dict(lr=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=5e-5, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]  # fmt: skip
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=64)

# ---- runtime -------------------------------------------------------------------------------
default_hooks = dict(
    _base_.ssl_hooks,
    logger=dict(interval=10),
    checkpoint=dict(type='AtomicCheckpointHook', max_keep_ckpts=1),
)
custom_hooks = [
    dict(type='SSLDiagnosticsHook', interval=10),
    dict(type='KNNProbeHook', data_root=data_root, crop_size=48, interval=5,
         classes=('dog', 'domestic cat', 'bird', 'car', 'bus', 'monkey', 'train', 'watercraft',
                  'airplane', 'cattle')),
]  # fmt: skip
randomness = dict(seed=0)
