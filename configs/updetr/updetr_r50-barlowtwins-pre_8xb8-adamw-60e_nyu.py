# UP-DETR pretraining (Dai et al., CVPR 2021) of DETR R50's transformer on the NYU unlabeled
# images: detect M random crops of each image from their pooled backbone features
# (custom_modules/models/updetr.py, custom_modules/transforms/query_patches.py). The CNN is
# the Barlow Twins backbone, frozen as in the paper. Fine-tune with
# configs/detr/detr_r50-updetr-pre_8xb2-150e_nyu.py.
#
# mmdet's DETR recipe gives the model and the optimizer; its COCO dataloaders are replaced by
# the unlabeled images (training) and the labeled validation images (held-out patches).
_base_ = [
    'mmdet::detr/detr_r50_8xb2-150e_coco.py',
    '../_base_/datasets/nyu_detection_splits.py',
    '../_base_/nyu_runtime.py',
]

ssl_work_dir = 'work_dirs/barlowtwins_resnet50_8xb64-coslr-150e_nyu'
data_root = 'data/nyu/'
dataset_type = 'UnlabeledImageDataset'
num_patches = 10  # the paper's M
patch_size = 128  # crops resized to 128 x 128, as in the paper

# ---- model -------------------------------------------------------------------------------
model = dict(
    type='UPDETR',
    num_queries=100,  # 10 groups of 10 queries, one group per patch
    num_patches=num_patches,
    patch_channels=2048,  # ResNet-50's last stage, globally pooled
    patch_dropout=0.1,
    # The data's own statistics, as in every detector and SSL config of this project.
    data_preprocessor=_base_.nyu_data_preprocessor,
    # Frozen (stem and all four stages, BN statistics kept): the transformer learns to find
    # what the Barlow Twins features describe, and the features stay those of pretraining.
    backbone=dict(
        frozen_stages=4,
        norm_eval=True,
        norm_cfg=dict(type='BN', requires_grad=False),
        init_cfg=dict(
            type='Pretrained', checkpoint=ssl_work_dir + '/epoch_150.pth', prefix='backbone.'
        ),
    ),
    # one class: "patch" (plus DETR's no-object); reconstruct the 2048-d patch feature
    bbox_head=dict(type='UPDETRHead', num_classes=1, feat_channels=2048, loss_feature_weight=1.0),
)

# ---- data: unlabeled images, the patches' boxes as targets --------------------------------
meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')
train_pipeline = [
    dict(type='LoadImageChecked', on_error='skip'),
    # patches are cut from the original image, then image and boxes are resized together
    dict(type='RandomQueryPatches', num_patches=num_patches, min_size=8, patch_size=patch_size),
    dict(type='RandomChoiceResize', scales=[(s, 1333) for s in range(480, 801, 32)],
         keep_ratio=True),  # DETR's multi-scale training
    dict(type='PackDetInputs', meta_keys=meta_keys + ('query_patches',)),
]  # fmt: skip
# Held-out patch localisation: the labeled validation images (never seen in pretraining)
# with patches drawn from a fixed seed, the same for every model, scored by COCO AP of the
# patch boxes (tools/updetr_patch_ap.py also scores the untrained model).
test_pipeline = [
    dict(type='LoadImageChecked', on_error='raise'),
    dict(type='RandomQueryPatches', num_patches=num_patches, min_size=8, patch_size=patch_size,
         seed=0),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='PackDetInputs', meta_keys=meta_keys + ('instances', 'query_patches')),
]  # fmt: skip
train_dataloader = dict(
    _delete_=True,  # no AspectRatioBatchSampler: the unlabeled index has no image sizes
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='unlabeled',
        metainfo=dict(classes=('patch',)),  # the head's one class (ClassCountCheckHook)
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    _delete_=True,
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='labeled/validation/images',
        metainfo=dict(classes=('patch',)),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
# AR@100 (recall of the patches by the 100 boxes, IoU .5:.95) measures localisation apart
# from the ranking of the scores, which DETR learns last.
val_evaluator = dict(
    _delete_=True,
    type='CocoMetric',
    metric='bbox',
    format_only=False,
    metric_items=['mAP', 'mAP_50', 'mAP_75', 'AR@100'],
)
test_evaluator = val_evaluator

# ---- schedule: the paper's ImageNet recipe, 60 epochs, lr /10 at 40 ----------------------
max_epochs = 60
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[40], gamma=0.1)
]
# 8 GPUs x 8 images (the paper's 64), as in the file name.
auto_scale_lr = dict(base_batch_size=64)

# ---- runtime -----------------------------------------------------------------------------
default_hooks = _base_.detector_hooks
visualizer = _base_.det_visualizer
