# DAB-DETR on the embedded demo data (tools/make_demo_data.py), random init: mmdet's 50-epoch
# recipe shrunk for a 2-core CPU (ResNet-18 at half width with a dilated C5, a 128-wide
# transformer with 3 + 3 layers, 160 px), the full-scale primitive's sibling on the same bases;
# its leaf starts from the demo Barlow Twins backbone. The DETR-family candidate with standard
# attention only (docs/detr_updetr.md, "DETR-family on the CPU demo: profile and choice").
_base_ = [
    'mmdet::dab_detr/dab-detr_r50_8xb2-50e_coco.py',
    '../_base_/datasets/nyu_detection_splits.py',
    '../_base_/nyu_runtime.py',
]

# ---- model: R18-w32 DC5, 128 wide, 3 + 3 layers, 100 anchor queries -------------------------
dims = 128  # the demo DETR's; DAB-DETR's sine embeddings follow embed_dims
attn = dict(embed_dims=dims)
ffn = dict(embed_dims=dims, feedforward_channels=4 * dims)
model = dict(
    _base_.nyu_detr_model,
    num_queries=100,  # mmdet's DETR default; a demo image holds at most 4 objects
    # C5 dilated instead of strided (DETR's DC5): stride 16, a 10 x 10 map of a 160 px image
    # instead of 5 x 5, with every layer of the (pretrained) backbone in use
    backbone=dict(
        _base_.random_init_resnet,
        depth=18,
        base_channels=32,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        norm_cfg=dict(type='SyncBN', requires_grad=True),  # BN trained, synced across GPUs
    ),
    neck=dict(in_channels=[256], out_channels=dims),  # C5 of the half-width ResNet-18
    encoder=dict(num_layers=3, layer_cfg=dict(self_attn_cfg=attn, ffn_cfg=ffn)),
    decoder=dict(
        num_layers=3, layer_cfg=dict(self_attn_cfg=attn, cross_attn_cfg=attn, ffn_cfg=ffn)
    ),
    positional_encoding=dict(num_feats=dims // 2),
    bbox_head=dict(num_classes=len(_base_.demo_classes), embed_dims=dims),
    test_cfg=dict(max_per_img=100),  # COCO mAP counts 100 detections an image
)

# ---- data: the demo splits at 160 px, resized and flipped -----------------------------------
# nyu_detection_splits.py's demo_detr_* loaders; the top-level names are set too, or the dumped
# config and the --cfg-options hints would show the recipe's COCO ones.
dataset_type = 'NYUDetDataset'
data_root = _base_.demo_data_root
train_pipeline = _base_.demo_detr_train_pipeline
test_pipeline = _base_.demo_detr_test_pipeline
train_dataloader = _base_.demo_detr_train_dataloader
val_dataloader = _base_.demo_detr_val_dataloader
test_dataloader = val_dataloader
val_evaluator = dict(_base_.nyu_evaluator, _delete_=True)
test_evaluator = val_evaluator

# ---- schedule: 16 epochs (1,200 steps), lr 2e-4, /10 at 13 ---------------------------------
# 16 epochs: the steps one run does in about 9 minutes on one core, the demo DINO's time
# (docs/detr_updetr.md has the measured s/step); the lr drop at 4/5 of the schedule, as the
# recipe's 40 of 50.
max_epochs = 16
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
# lr 2e-4: the recipe's 1e-4 (16 images a step) doubled, as the demo DETR's, for 1,200 steps
# where the recipe takes 370K; the backbone at the same lr, not the recipe's x0.1, which is for
# ImageNet weights (a random-init backbone must learn, and every initialisation gets the same
# recipe).
optim_wrapper = dict(
    optimizer=dict(lr=2e-4), paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)})
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs, milestones=[13], gamma=0.1),
]
auto_scale_lr = dict(base_batch_size=8)

# ---- runtime -----------------------------------------------------------------------------
default_hooks = _base_.demo_detector_hooks
visualizer = _base_.det_visualizer
randomness = dict(seed=0)
