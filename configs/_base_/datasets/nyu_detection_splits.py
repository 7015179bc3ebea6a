# The NYU labeled splits as dataset dicts (no pipeline: the recipe brings its augmentations),
# the single source of the NYU and demo dataset settings of every detector config. The keys are
# none of mmdet's, so this file mixes with a whole recipe (mmengine refuses a key defined by two
# bases): Faster R-CNN puts them into ./nyu_detection.py's dataloaders, DETR and DINO swap
# them for the COCO datasets of mmdet's recipes, UP-DETR takes its held-out split. The demo
# DETR-family primitives take whole loaders from here (demo_detr_*, at the end).
nyu_train_dataset = dict(
    type='NYUDetDataset',
    data_root='data/nyu/',
    data_prefix=dict(img='labeled/training/images', ann='labeled/training/labels'),
    filter_cfg=dict(filter_empty_gt=True, min_size=32),
)
nyu_val_dataset = dict(
    type='NYUDetDataset',
    data_root='data/nyu/',
    data_prefix=dict(img='labeled/validation/images', ann='labeled/validation/labels'),
    test_mode=True,
)
# COCO mAP from the dataset's own labels: mmdet's CocoMetric on faster-coco-eval with array-based
# conversion, the same 12 numbers, faster (docs/measurements.md); backend='pycocotools' falls back.
nyu_evaluator = dict(type='FastCocoMetric', metric='bbox', format_only=False)

# ---- the embedded demo data (tools/make_demo_data.py): the same layout, 10 classes ----------
demo_data_root = 'data/demo/'
# custom_modules.datasets.DEMO_CLASSES
demo_classes = ('dog', 'domestic cat', 'bird', 'car', 'bus', 'monkey', 'train', 'watercraft',
                'airplane', 'cattle')  # fmt: skip
demo_img_scale = (160, 160)  # demo images are 96-160 px; objects 22-72 px
demo_metainfo = dict(classes=demo_classes)
# every box is kept: a demo object may be smaller than the NYU filter's 32 px
demo_train_dataset = dict(
    nyu_train_dataset,
    data_root=demo_data_root,
    metainfo=demo_metainfo,
    filter_cfg=dict(filter_empty_gt=True, min_size=0),
)
demo_val_dataset = dict(nyu_val_dataset, data_root=demo_data_root, metainfo=demo_metainfo)

# ---- the SSL runs' k-NN probe on these splits (custom_modules/hooks/knn_probe.py) ----------
# object crops of the training split are the memory, of the validation split the queries; a
# bad label file leaves its image out of the probe instead of stopping the pretraining. An SSL
# primitive lists this file and appends one: `custom_hooks = [*_base_.custom_hooks,
# _base_.nyu_knn_probe]`; on other data, a probe with that data's dataset dicts.
nyu_knn_probe = dict(type='KNNProbeHook', train_dataset=dict(nyu_train_dataset, bad_data='skip'),
                     val_dataset=dict(nyu_val_dataset, bad_data='skip'), crop_size=64,
                     interval=5)  # fmt: skip
# the demo's: 48 px crops of its ten classes
demo_knn_probe = dict(
    nyu_knn_probe,
    train_dataset=dict(demo_train_dataset, bad_data='skip'),
    val_dataset=dict(demo_val_dataset, bad_data='skip'),
    crop_size=48,
)

# ---- mmdet's DETR-family recipes (DETR, DINO) on these data, random init ---------------------
# The data's own statistics (the report's): mean (0.49, 0.468, 0.414), std (0.286, 0.278, 0.297),
# times 255 (mmdet's and mmpretrain's preprocessors work in 0-255). The one place they are
# written: every detector and SSL primitive takes them from here (a pretrained backbone must see
# the normalisation it was pretrained with); tests/test_configs.py checks every config has them.
nyu_mean = [124.95, 119.34, 105.57]
nyu_std = [72.93, 70.89, 75.735]
nyu_data_preprocessor = dict(mean=nyu_mean, std=nyu_std)
# Nothing to freeze, BN weights and statistics must be learnt (mmdet's recipes freeze them for
# their ImageNet weights).
random_init_resnet = dict(
    frozen_stages=-1, norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False, init_cfg=None
)
# A DETR-family primitive: `model = _base_.nyu_detr_model`, the same dict merged into the recipe's.
nyu_detr_model = dict(
    data_preprocessor=nyu_data_preprocessor,
    backbone=random_init_resnet,
    bbox_head=dict(num_classes=100),
)

# ---- the demo data in the DETR-family recipes (DETR, DAB-DETR, DINO demo primitives) --------
# One pipeline at the demo scale for all three, in place of each recipe's COCO one (multi-scale
# crops up to 1333 px); a primitive reads these through `_base_.` (DETR's drops the flip).
demo_detr_train_pipeline = [
    dict(type='LoadImageChecked', on_error='skip'),  # a bad image is skipped, with a warning
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=demo_img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
demo_detr_test_pipeline = [
    dict(type='LoadImageChecked', on_error='raise'),  # an evaluation must not drop images
    dict(type='Resize', scale=demo_img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    # 'instances': the COCO metric's ground truth, from the dataset itself
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'instances'),
    ),
]
# _delete_: the recipe's COCO dataset goes (ann_file, data_prefix), its loader settings stay;
# batch 8, the 1xb8 of the primitives' names.
demo_detr_train_dataloader = dict(
    batch_size=8,
    dataset=dict(demo_train_dataset, _delete_=True, pipeline=demo_detr_train_pipeline),
)
demo_detr_val_dataloader = dict(
    batch_size=8,
    dataset=dict(demo_val_dataset, _delete_=True, pipeline=demo_detr_test_pipeline),
)
