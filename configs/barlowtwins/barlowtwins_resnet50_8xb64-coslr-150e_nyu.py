# Barlow Twins, ResNet-50, on the NYU unlabeled images: mmpretrain's recipe with the report's
# changes (crop scale (0.4, 1), the data's mean/std, a 2048-wide projector, 150 epochs).
_base_ = [
    '../_base_/datasets/nyu_unlabeled_2view.py',
    '../_base_/datasets/nyu_detection_splits.py',
    '../_base_/models/barlowtwins_resnet50.py',
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
# the k-NN probe on the labeled splits, before training and every 5 epochs
custom_hooks = [*_base_.custom_hooks, _base_.nyu_knn_probe]
