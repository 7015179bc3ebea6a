# Two augmented views of the NYU unlabeled images (<data_root>/unlabeled/<id>.PNG), on
# mmpretrain's BYOL / Barlow Twins augmentations with the report's changes.
_base_ = 'mmpretrain::_base_/datasets/imagenet_bs32_byol.py'

dataset_type = 'UnlabeledImageDataset'
data_root = 'data/nyu/'

# RandomResizedCrop keeps 40-100% of the image instead of 8-100%: the report's change, for
# object-centric photos whose objects a small crop would miss.
mmpretrain_view_pipeline1 = _base_.view_pipeline1
mmpretrain_view_pipeline2 = _base_.view_pipeline2
mmpretrain_view_pipeline1[0].crop_ratio_range = (0.4, 1.0)
mmpretrain_view_pipeline2[0].crop_ratio_range = (0.4, 1.0)
mmpretrain_train_pipeline = [
    dict(type='LoadImageChecked', on_error='skip'),
    dict(
        type='MultiView',
        num_views=[1, 1],
        transforms=[mmpretrain_view_pipeline1, mmpretrain_view_pipeline2],
    ),
    dict(type='PackInputs'),
]

# ---- the views on the CPU, in the workers (the demo configs) --------------------------------
# The same two views as mmpretrain's (same parameter distributions, same pixels for the same
# parameters; tests/test_ssl_view.py), each in one FastSSLView, faster per core
# (docs/measurements.md). mmpretrain's own pipelines stay above for reference.
view_pipeline1 = [
    dict(type='FastSSLView', scale=224, crop_ratio_range=(0.4, 1.0), blur_prob=1.0,
         solarize_prob=0.0),
]  # fmt: skip
view_pipeline2 = [
    dict(type='FastSSLView', scale=224, crop_ratio_range=(0.4, 1.0), blur_prob=0.1,
         solarize_prob=0.2),
]  # fmt: skip
cpu_train_pipeline = [
    # libspng decodes the 8-bit RGB PNGs (same pixels as Pillow, faster: docs/measurements.md).
    dict(type='LoadImageChecked', on_error='skip', png_decoder='spng'),
    # each view's crop box is kept (view_boxes) for VICRegL's location-based matching
    dict(type='MultiViewWithBoxes', num_views=[1, 1],
         transforms=[view_pipeline1, view_pipeline2]),
    dict(type='PackInputs', algorithm_keys=('view_boxes',)),
]  # fmt: skip
# the views arrive augmented: the preprocessor only normalises (SelfSupDataPreprocessor's output)
cpu_data_preprocessor = dict(view_augments=None)

# ---- device-side augmentation (the default: the full-scale configs) -------------------------
# The same two views split in two: the workers decode, crop and flip (SSLCropFlip: uint8, a
# fraction of FastSSLView's CPU time); the colour jitter, grayscale, blur and solarize of each
# view run batched in the data preprocessor, on the GPU when the model is on one, each image
# with its own parameters from mmpretrain's distributions (tests/test_ssl_view.py). The views
# differ in blur (p 1.0 / 0.1) and solarize (p 0 / 0.2), as mmpretrain's; the rest are
# ViewAugment's defaults (jitter 0.4/0.4/0.2/0.1 with p 0.8, grayscale p 0.2, sigma 0.1-2).
# Back to the CPU views in a leaf: data_preprocessor = _base_.cpu_data_preprocessor and
# train_dataloader = dict(dataset=dict(pipeline=_base_.cpu_train_pipeline)).
view_augments = [dict(blur_prob=1.0, solarize_prob=0.0), dict(blur_prob=0.1, solarize_prob=0.2)]
# The data's own statistics: a primitive adds them from datasets/nyu_detection_splits.py
# (`data_preprocessor = _base_.nyu_data_preprocessor`, merged into this), where they are
# written once; the detectors use the same numbers.
data_preprocessor = dict(type='SSLAugmentDataPreprocessor', view_augments=view_augments)
crop_flip = dict(type='SSLCropFlip', scale=224, crop_ratio_range=(0.4, 1.0))
train_pipeline = [
    cpu_train_pipeline[0],
    dict(cpu_train_pipeline[1], transforms=[[crop_flip], [crop_flip]]),
    cpu_train_pipeline[2],
]
train_dataloader = dict(
    # mmengine adds _scope_ to every dict of an mmpretrain:: base, and the collate
    # function would receive it as a keyword argument: start this dict afresh.
    collate_fn=dict(_delete_=True, type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='unlabeled',
        pipeline=train_pipeline,
    ),
)

# ---- the same images from their packed copy (optional) -------------------------------------
# The workers read decoded pixels from a memory-mapped file instead of decoding each PNG (the
# decode is most of their CPU time: docs/performance.md). Pack once, lossless, H*W*3 bytes an
# image on disk (~twice the PNGs), with  python tools/pack_unlabeled.py DATA_ROOT/unlabeled  and
# switch a leaf with  train_dataloader = dict(dataset=_base_.packed_dataset). The dataset gives each
# sample what LoadImageChecked adds (the same pixels), so its pipeline starts after the loader;
# it refuses a pack older than the folder's images.
packed_dataset = dict(type='PackedUnlabeledImageDataset', pipeline=train_pipeline[1:])

# ---- the embedded demo data (tools/make_demo_data.py), for the demo-scale primitives --------
# The demo keeps the CPU views (every demo number was measured with them): its primitives set
# data_preprocessor = cpu_data_preprocessor and this pipeline.
demo_train_pipeline = [
    cpu_train_pipeline[0],
    # 64 px views: the demo images are 96-160 px
    dict(cpu_train_pipeline[1], transforms=[[dict(view_pipeline1[0], scale=64)],
                                            [dict(view_pipeline2[0], scale=64)]]),
    cpu_train_pipeline[2],
]  # fmt: skip
