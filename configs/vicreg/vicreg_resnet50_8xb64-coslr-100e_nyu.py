# VICReg, ResNet-50, on the NYU unlabeled images: the official recipe (LARS, warm-up, cosine)
# with the report's changes: the same augmentations as Barlow Twins, the data's mean/std, a
# 2048-wide expander, 100 epochs.
_base_ = [
    '../_base_/datasets/nyu_unlabeled_2view.py',
    '../_base_/datasets/nyu_detection_splits.py',
    '../_base_/models/vicreg_resnet50.py',
    '../_base_/schedules/ssl_coslr.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/nyu_runtime.py',
]

# the data's statistics (datasets/nyu_detection_splits.py)
data_preprocessor = _base_.nyu_data_preprocessor
# Colour augmentation runs batched in the data preprocessor (the base's device-side default);
# in the CPU workers instead: data_preprocessor = _base_.cpu_data_preprocessor and
# train_dataloader = dict(batch_size=64, dataset=dict(pipeline=_base_.cpu_train_pipeline))
train_dataloader = dict(batch_size=64)
default_hooks = _base_.ssl_hooks
visualizer = _base_.ssl_visualizer
# 100 epochs (the report's), 10 of warm-up
param_scheduler = [_base_.param_scheduler[0], dict(_base_.param_scheduler[1], T_max=90, end=100)]
train_cfg = dict(max_epochs=100)
# the k-NN probe on the labeled splits, before training and every 5 epochs
custom_hooks = [*_base_.custom_hooks, _base_.nyu_knn_probe]
