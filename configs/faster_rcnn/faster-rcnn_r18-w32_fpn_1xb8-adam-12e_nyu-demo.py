# Faster R-CNN on the embedded demo data (tools/make_demo_data.py): the NYU recipe shrunk to
# run on a 2-core CPU in minutes, the full-scale primitive's sibling on the same bases. Random
# init.
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn_nyu.py',
    '../_base_/datasets/nyu_detection.py',
    '../_base_/datasets/nyu_detection_splits.py',
    'mmdet::_base_/default_runtime.py',
    '../_base_/nyu_runtime.py',
]

# ---- model: ResNet-18 at half width (stages 32-64-128-256 channels), thin FPN and heads ----
model = dict(
    data_preprocessor=_base_.nyu_data_preprocessor,  # the data's statistics
    backbone=dict(depth=18, base_channels=32),
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=64),
    rpn_head=dict(
        in_channels=64,
        feat_channels=64,
        # anchors of 16-256 px over strides 4-64 (scale 4 instead of 8): the objects are small
        anchor_generator=dict(scales=[4]),
    ),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=256, num_classes=len(_base_.demo_classes)),
    ),
    # A demo image holds at most 5 objects: 128 sampled RoIs per image (not 512) and fewer
    # proposals keep RoIAlign, which dominates a CPU step, small.
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=500), rcnn=dict(sampler=dict(num=128))
    ),
    test_cfg=dict(rpn=dict(nms_pre=300, max_per_img=100)),
)

# ---- data: the demo splits at 160 px ------------------------------------------------------
img_scale = _base_.demo_img_scale
train_pipeline = _base_.train_pipeline
train_pipeline[2].scale = img_scale  # Resize
test_pipeline = _base_.test_pipeline
test_pipeline[1].scale = img_scale  # Resize
train_dataloader = dict(
    batch_size=8, dataset=dict(_base_.demo_train_dataset, pipeline=train_pipeline)
)
val_dataloader = dict(batch_size=8, dataset=dict(_base_.demo_val_dataset, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = _base_.nyu_evaluator
test_evaluator = val_evaluator

# ---- schedule: 12 epochs, lr 4e-4 halved at 8 ----------------------------------------------
max_epochs = 12
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# bf16 autocast + channels_last where the device has native bf16 (AMX-BF16 CPUs, GPUs), else
# fp32; losses stay fp32 (docs/measurements.md has the speed-up). fused=True: the same Adam in
# one kernel instead of a Python loop over the parameters.
optim_wrapper = dict(
    type='BF16OptimWrapper', optimizer=dict(type='Adam', lr=4e-4, weight_decay=0, fused=True)
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs, milestones=[8], gamma=0.5),
]
auto_scale_lr = dict(enable=False, base_batch_size=8)

# ---- runtime -----------------------------------------------------------------------------
default_hooks = _base_.demo_detector_hooks
visualizer = _base_.det_visualizer
# A fixed seed, so that `make demo` reruns give comparable numbers.
randomness = dict(seed=0)
