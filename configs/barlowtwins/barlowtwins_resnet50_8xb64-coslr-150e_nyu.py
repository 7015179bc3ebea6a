# Barlow Twins, ResNet-50, on the NYU unlabeled images: mmpretrain's recipe with the report's
# changes (crop scale (0.4, 1), the data's mean/std, a 2048-wide projector, 150 epochs).
_base_ = [
    '../_base_/datasets/nyu_unlabeled_2view.py',
    '../_base_/models/barlowtwins_resnet50.py',
    '../_base_/schedules/ssl_coslr.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/nyu_runtime.py',
]

train_dataloader = dict(batch_size=64)
default_hooks = _base_.ssl_hooks
visualizer = _base_.ssl_visualizer
