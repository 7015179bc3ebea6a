# Barlow Twins on the embedded demo data (tools/make_demo_data.py), shrunk for a 2-core CPU:
# ResNet-18 at half width (the demo detector's backbone), 64 px views, a 512-wide projector,
# 20 epochs. The full-scale recipe's sibling on the same bases.
_base_ = [
    '../_base_/datasets/nyu_unlabeled_2view.py',
    '../_base_/datasets/nyu_detection_splits.py',
    '../_base_/models/barlowtwins_resnet50.py',
    '../_base_/schedules/ssl_coslr-20e_demo.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/nyu_runtime.py',
]

# ---- data: FastSSLView on the CPU, the views every demo number was measured with -------------
data_root = _base_.demo_data_root
train_pipeline = _base_.demo_train_pipeline
# the data's statistics (datasets/nyu_detection_splits.py), the views from the workers
data_preprocessor = dict(_base_.nyu_data_preprocessor, **_base_.cpu_data_preprocessor)
train_dataloader = dict(batch_size=64, num_workers=2,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))  # fmt: skip

# ---- model: R18 at half width, 512-wide projector ---------------------------------------------
proj_width = 512
model = dict(
    backbone=dict(depth=18, stem_channels=32, base_channels=32, norm_cfg=dict(type='BN')),
    neck=dict(in_channels=256, hid_channels=proj_width, out_channels=proj_width),
    head=dict(in_channels=proj_width),
)
# bf16 autocast + channels_last where the device has native bf16 (AMX-BF16 CPUs, GPUs), else
# fp32; losses stay fp32 (docs/measurements.md has the speed-up).
optim_wrapper = dict(type='BF16OptimWrapper', optimizer=dict(lr=0.05))

# ---- runtime ---------------------------------------------------------------------------------
# the k-NN probe on the labeled splits, before training and every 5 epochs
custom_hooks = [*_base_.custom_hooks, _base_.demo_knn_probe]
default_hooks = _base_.demo_ssl_hooks
visualizer = _base_.ssl_visualizer
randomness = dict(seed=0)
