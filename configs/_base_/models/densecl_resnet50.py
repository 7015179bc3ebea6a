# DenseCL (Wang et al., CVPR 2021), ResNet-50: unlike its neighbours here (a model and its
# optimiser), the whole of mmpretrain's recipe as it is (MoCo v2 views, dense and global
# contrastive heads, 65536 negatives, SGD 0.03, 200 epochs) on this project's unlabeled folder
# (its mean/std, images read by LoadImageChecked, the reliability hooks), less the k-NN probe.
# Shared by the full-scale and the demo-scale primitives in configs/densecl/, as
# models/barlowtwins_resnet50.py and models/vicreg_resnet50.py are by theirs; each primitive
# sets its data root, its sizes and its k-NN probe.
_base_ = [
    'mmpretrain::densecl/densecl_resnet50_8xb32-coslr-200e_in1k.py',
    '../datasets/nyu_detection_splits.py',
    '../nyu_runtime.py',
]

dataset_type = 'UnlabeledImageDataset'
data_root = 'data/nyu/'
data_preprocessor = _base_.nyu_data_preprocessor  # the data's statistics
train_pipeline = _base_.train_pipeline
train_pipeline[0] = dict(type='LoadImageChecked', on_error='skip')
train_dataloader = dict(
    # mmengine adds _scope_ to the dicts of an mmpretrain:: base: start these afresh
    collate_fn=dict(_delete_=True, type='default_collate'),
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, data_prefix='unlabeled',
                 pipeline=train_pipeline),
)  # fmt: skip
default_hooks = _base_.ssl_hooks
visualizer = _base_.ssl_visualizer
