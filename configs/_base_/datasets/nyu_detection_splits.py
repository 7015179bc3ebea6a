# The NYU labeled splits as dataset dicts, for the mmdet recipes that bring their own COCO
# dataloaders (DETR, DINO, UP-DETR's held-out split): a primitive swaps them in. The keys are
# none of mmdet's, so this file mixes with a whole recipe (mmengine refuses a key defined by
# two bases); ./nyu_detection.py is the same data as a dataset base of its own.
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
# COCO mAP computed from the dataset's own labels (custom_modules/evaluation)
nyu_evaluator = dict(type='FastCocoMetric', metric='bbox', format_only=False)
