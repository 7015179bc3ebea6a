# DINO-4scale R50 on the NYU labeled data (100 classes): mmdet's 12-epoch recipe (AdamW 1e-4,
# backbone lr x0.1, grad clip 0.1), random init. The DETR-family detector that converges in
# tens of epochs, where plain DETR (configs/detr/) needs 150-500.
#
# mmengine forbids two bases defining the same key, so the COCO data of mmdet's file is
# replaced here by the NYU splits of configs/_base_/datasets/nyu_detection_splits.py.
_base_ = [
    'mmdet::dino/dino-4scale_r50_8xb2-12e_coco.py',
    '../_base_/datasets/nyu_detection_splits.py',
    '../_base_/nyu_runtime.py',
]
custom_imports = dict(imports=['custom_modules'], allow_failed_imports=False)

# ---- model -------------------------------------------------------------------------------
model = dict(
    # The data's own statistics, as in every detector and SSL config of this project.
    data_preprocessor=dict(mean=[124.95, 119.34, 105.57], std=[72.93, 70.89, 75.735]),
    # Random init: nothing to freeze, BN weights and statistics must be learnt.
    backbone=dict(
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None,
    ),
    bbox_head=dict(num_classes=100),
)

# ---- data: the NYU labeled splits, mmdet's DINO augmentations ------------------------------
dataset_type = 'NYUDetDataset'
data_root = 'data/nyu/'
train_pipeline = _base_.train_pipeline
train_pipeline[0] = dict(type='LoadImageChecked', on_error='skip')
test_pipeline = _base_.test_pipeline
test_pipeline[0] = dict(type='LoadImageChecked', on_error='raise')
# 'instances' lets the COCO metric build the ground truth from the dataset itself.
test_pipeline[-1].meta_keys = test_pipeline[-1].meta_keys + ('instances',)
train_dataloader = dict(
    dataset=dict(
        _base_.nyu_train_dataset,
        _delete_=True,
        filter_cfg=dict(filter_empty_gt=False, min_size=32),  # DINO keeps background images
        pipeline=train_pipeline,
    )
)
val_dataloader = dict(dataset=dict(_base_.nyu_val_dataset, _delete_=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(_base_.nyu_evaluator, _delete_=True)
test_evaluator = val_evaluator

# ---- runtime -----------------------------------------------------------------------------
default_hooks = _base_.detector_hooks
