# Faster R-CNN's pipelines and dataloaders on the NYU labeled layout
# (<data_root>/labeled/{training,validation}/{images,labels}), 100 classes, evaluated by COCO
# mAP@[.5:.95] computed from the dataset's own labels (no json needed;
# tools/dataset_converters/nyu2coco.py writes one for other COCO tools). The datasets themselves
# and the evaluator are ./nyu_detection_splits.py's, listed beside this file: a config sets
# `train_dataloader = dict(dataset=_base_.nyu_train_dataset)`, the same for val, and
# `val_evaluator = _base_.nyu_evaluator` (DETR and DINO swap the same dicts into their recipes).

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
    dataset=dict(pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline=test_pipeline),
)
test_dataloader = val_dataloader
