# DenseCL on the embedded demo data, shrunk like the other demo SSL runs: ResNet-18 at half
# width, 64 px views, 20 epochs, one process of 64 images, 2048 negatives. The full-scale
# primitive's sibling on the same base.
_base_ = ['../_base_/models/densecl_resnet50.py']

data_root = 'data/demo/'
view_pipeline = _base_.view_pipeline
view_pipeline[0].scale = 64  # the demo images are 96-160 px
train_pipeline = _base_.train_pipeline
train_pipeline[1].transforms = [view_pipeline]
train_dataloader = dict(batch_size=64, num_workers=2,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))  # fmt: skip
model = dict(
    queue_len=2048,  # a multiple of the batch; the demo has 3,000 images
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    neck=dict(in_channels=256, hid_channels=256),
)
# SGD 0.03 per 256 images (mmpretrain's) -> 0.0075 for 64; cosine over the 20 epochs
optim_wrapper = dict(optimizer=dict(lr=0.0075))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=20, by_epoch=True, begin=0, end=20)]
train_cfg = dict(max_epochs=20)
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(_base_.demo_ssl_hooks, checkpoint=dict(interval=1))
custom_hooks = [_base_.demo_knn_probe]
randomness = dict(seed=0)
