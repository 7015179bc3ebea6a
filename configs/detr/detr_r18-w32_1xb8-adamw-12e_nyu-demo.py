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
# nyu_detection_splits.py's demo_detr_* loaders; the top-level names are set too, or the dumped
# config and the --cfg-options hints would show the recipe's COCO ones.
dataset_type = 'NYUDetDataset'
data_root = _base_.demo_data_root
train_pipeline = [t for t in _base_.demo_detr_train_pipeline if t.type != 'RandomFlip']
test_pipeline = _base_.demo_detr_test_pipeline
train_dataloader = dict(
    _base_.demo_detr_train_dataloader,
    dataset=dict(_base_.demo_detr_train_dataloader.dataset, pipeline=train_pipeline),
)
val_dataloader = _base_.demo_detr_val_dataloader
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
