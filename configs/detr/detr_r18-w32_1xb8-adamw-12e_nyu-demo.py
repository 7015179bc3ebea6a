# DETR on the embedded demo data (tools/make_demo_data.py), random init: mmdet's recipe shrunk
# for a 2-core CPU (ResNet-18 at half width, a 128-wide transformer with 3 + 3 layers, 160 px,
# 12 epochs), the full-scale primitive's sibling on the same bases. Its leaves start from the
# demo Barlow Twins backbone or from the demo UP-DETR (the same model).
_base_ = [
    'mmdet::detr/detr_r50_8xb2-150e_coco.py',
    '../_base_/datasets/nyu_detection_splits.py',
    '../_base_/nyu_runtime.py',
]

# ---- model: the demo UP-DETR's, with a 10-class head ---------------------------------------
dims = 128
attn = dict(embed_dims=dims, num_heads=8)
ffn = dict(embed_dims=dims, feedforward_channels=4 * dims)
model = dict(
    _base_.nyu_detr_model,
    # BN trained and synced across GPUs, as an SSL backbone needs (BN on one device)
    backbone=dict(
        _base_.random_init_resnet,
        depth=18,
        base_channels=32,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
    ),
    neck=dict(in_channels=[256], out_channels=dims),
    encoder=dict(num_layers=3, layer_cfg=dict(self_attn_cfg=attn, ffn_cfg=ffn)),
    decoder=dict(
        num_layers=3, layer_cfg=dict(self_attn_cfg=attn, cross_attn_cfg=attn, ffn_cfg=ffn)
    ),
    positional_encoding=dict(num_feats=dims // 2),
    bbox_head=dict(num_classes=len(_base_.demo_classes), embed_dims=dims),
)

# ---- data: the demo splits at 160 px, resized only -----------------------------------------
dataset_type = 'NYUDetDataset'
data_root = _base_.demo_data_root
train_pipeline = [
    dict(type='LoadImageChecked', on_error='skip'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=_base_.demo_img_scale, keep_ratio=True),
    dict(type='PackDetInputs'),
]
test_pipeline = [dict(type='LoadImageChecked', on_error='raise'), *_base_.test_pipeline[1:]]
test_pipeline[1].scale = _base_.demo_img_scale  # Resize
test_pipeline[-1].meta_keys += ('instances',)  # the COCO metric's ground truth
train_dataloader = dict(
    batch_size=8, dataset=dict(_base_.demo_train_dataset, _delete_=True, pipeline=train_pipeline)
)
val_dataloader = dict(
    batch_size=8, dataset=dict(_base_.demo_val_dataset, _delete_=True, pipeline=test_pipeline)
)
test_dataloader = val_dataloader
val_evaluator = dict(_base_.nyu_evaluator, _delete_=True)
test_evaluator = val_evaluator

# ---- schedule: 12 epochs, lr 2e-4, /10 at 10 --------------------------------------------------
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=2e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs, milestones=[10], gamma=0.1),
]
auto_scale_lr = dict(base_batch_size=8)

# ---- runtime -----------------------------------------------------------------------------
default_hooks = _base_.demo_detector_hooks
visualizer = _base_.det_visualizer
randomness = dict(seed=0)
