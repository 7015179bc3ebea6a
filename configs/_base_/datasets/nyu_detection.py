# NYU labeled layout (<data_root>/labeled/{training,validation}/{images,labels}), 100 classes,
# evaluated by COCO mAP@[.5:.95] computed from the dataset's own labels (no json needed;
# tools/dataset_converters/nyu2coco.py writes one for other COCO tools).
custom_imports = dict(imports=['custom_modules'], allow_failed_imports=False)

dataset_type = 'NYUDetDataset'
data_root = 'data/nyu/'
# mmdet's COCO scale; the competition's images are ImageNet-sized.
img_scale = (1333, 800)

train_pipeline = [
    # on_error='skip': a bad image is named in a warning and another sample is drawn.
    dict(type='LoadImageChecked', on_error='skip'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    # on_error='raise': an evaluation must not silently drop images.
    dict(type='LoadImageChecked', on_error='raise'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    # 'instances' lets the COCO metric build the ground truth from the dataset itself.
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'instances'),
    ),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img='labeled/training/images', ann='labeled/training/labels'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img='labeled/validation/images', ann='labeled/validation/labels'),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader

# mmdet's CocoMetric on faster-coco-eval with array-based conversion: the same 12 COCO numbers,
# faster (docs/measurements.md); backend='pycocotools' falls back.
val_evaluator = dict(type='FastCocoMetric', metric='bbox', format_only=False)
test_evaluator = val_evaluator
