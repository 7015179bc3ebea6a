# DETR on the embedded demo data, fine-tuned from the demo UP-DETR pretraining
# (configs/updetr/updetr_r18-w32-barlowtwins-pre_1xb8-adamw-2e_nyu-demo.py): the same shrunk
# model (ResNet-18 w32, a 128-wide transformer with 3 + 3 layers) with a 10-class head.
_base_ = './detr_r50_8xb2-150e_nyu.py'

data_root = 'data/demo/'
# custom_modules.datasets.DEMO_CLASSES (tools/make_demo_data.py)
classes = ('dog', 'domestic cat', 'bird', 'car', 'bus', 'monkey', 'train', 'watercraft',
           'airplane', 'cattle')  # fmt: skip
img_scale = (160, 160)  # demo images are 96-160 px; objects 22-72 px
dims = 128
updetr_work_dir = 'work_dirs/updetr_r18-w32-barlowtwins-pre_1xb8-adamw-2e_nyu-demo'

# ---- model: the demo UP-DETR's, with a 10-class head ---------------------------------------
attn = dict(embed_dims=dims, num_heads=8)
ffn = dict(embed_dims=dims, feedforward_channels=4 * dims)
model = dict(
    backbone=dict(depth=18, base_channels=32, norm_cfg=dict(type='SyncBN', requires_grad=True)),
    neck=dict(in_channels=[256], out_channels=dims),
    encoder=dict(num_layers=3, layer_cfg=dict(self_attn_cfg=attn, ffn_cfg=ffn)),
    decoder=dict(
        num_layers=3, layer_cfg=dict(self_attn_cfg=attn, cross_attn_cfg=attn, ffn_cfg=ffn)
    ),
    positional_encoding=dict(num_feats=dims // 2),
    bbox_head=dict(num_classes=len(classes), embed_dims=dims),
    # as ./detr_r50-updetr-pre_8xb2-150e_nyu.py: the whole model from UP-DETR, loaded last
    type='PretrainedDETR',
    init_cfg=dict(type='Pretrained', checkpoint=updetr_work_dir + '/epoch_2.pth'),
)

# ---- data: resize only (digits are not mirror-symmetric; crops would cut them) --------------
train_pipeline = [
    dict(type='LoadImageChecked', on_error='skip'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='PackDetInputs'),
]
test_pipeline = _base_.test_pipeline
test_pipeline[1].scale = img_scale  # Resize
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        data_root=data_root,
        metainfo=dict(classes=classes),
        pipeline=train_pipeline,
        filter_cfg=dict(filter_empty_gt=True, min_size=0),
    ),
)
val_dataloader = dict(
    batch_size=8,
    dataset=dict(data_root=data_root, metainfo=dict(classes=classes), pipeline=test_pipeline),
)
test_dataloader = val_dataloader

# ---- schedule: 12 epochs, lr 2e-4, /10 at 10 --------------------------------------------------
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=2e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs, milestones=[10], gamma=0.1),
]
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
