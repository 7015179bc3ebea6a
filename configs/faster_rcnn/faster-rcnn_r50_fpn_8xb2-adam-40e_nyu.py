# Faster R-CNN R50-FPN on the NYU labeled data (100 classes), the report's fine-tuning recipe:
# Adam, lr 1e-4 for 20 epochs, then 5e-5 for 20 more. Random init: the baseline.
#
# mmdet's faster-rcnn_r50_fpn_1x_coco.py is the same upstream pieces with the COCO dataset;
# mmengine forbids two bases defining the same key, so we take the pieces and swap the dataset
# rather than inherit that file and delete its COCO settings.
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn_nyu.py',
    '../_base_/datasets/nyu_detection.py',
    '../_base_/datasets/nyu_detection_splits.py',
    'mmdet::_base_/default_runtime.py',
    '../_base_/nyu_runtime.py',
]

# ---- data: the NYU labeled splits, normalised by their statistics ---------------------------
model = dict(data_preprocessor=_base_.nyu_data_preprocessor)
train_dataloader = dict(dataset=_base_.nyu_train_dataset)
val_dataloader = dict(dataset=_base_.nyu_val_dataset)
test_dataloader = val_dataloader
val_evaluator = _base_.nyu_evaluator
test_evaluator = val_evaluator

# ---- schedule ----------------------------------------------------------------------------
max_epochs = 40
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# lr 1e-4, halved at epoch 20 (the report's 5e-5 for the second 20 epochs). Stopping at 20
# and resuming later continues with the lower rate.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, weight_decay=0))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs, milestones=[20], gamma=0.5)
]
# 8 GPUs x 2 images, as in the file name; --auto-scale-lr rescales lr for other totals.
auto_scale_lr = dict(enable=False, base_batch_size=16)

# ---- runtime -----------------------------------------------------------------------------
default_hooks = _base_.detector_hooks
visualizer = _base_.det_visualizer
