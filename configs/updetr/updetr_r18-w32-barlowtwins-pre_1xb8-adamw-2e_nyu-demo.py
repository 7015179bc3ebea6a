# UP-DETR on the embedded demo data (tools/make_demo_data.py), shrunk for a 2-core CPU: the
# demo Barlow Twins ResNet-18 at half width (frozen), a 128-wide transformer with 3 encoder
# and 3 decoder layers, 160 px images, 4 query patches of 128 px (the paper's size) per image
# and 20 queries (groups of 5). Its held-out patch AP against the untrained model's, and the
# control with crops unrelated to the boxes: tools/updetr_patch_ap.py [--mismatch].
_base_ = './updetr_r50-barlowtwins-pre_8xb8-adamw-60e_nyu.py'

data_root = 'data/demo/'
img_scale = (160, 160)  # demo images are 96-160 px
num_patches = 4  # fewer than the paper's 10: the demo images are ~5x smaller than NYU's
num_queries = 20  # the fine-tune's 100 query embeddings start fresh (PretrainedDETR)
dims = 128
ssl_work_dir = 'work_dirs/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo'

# ---- model: no dropout (a 2-epoch run on 3,000 images does not overfit) ---------------------
attn = dict(embed_dims=dims, num_heads=8, dropout=0.0)
ffn = dict(embed_dims=dims, feedforward_channels=4 * dims, ffn_drop=0.0)
model = dict(
    num_queries=num_queries,
    num_patches=num_patches,
    patch_channels=256,  # ResNet-18 w32's last stage
    backbone=dict(
        depth=18,
        base_channels=32,
        init_cfg=dict(checkpoint=ssl_work_dir + '/epoch_20.pth'),
    ),
    neck=dict(in_channels=[256], out_channels=dims),
    encoder=dict(num_layers=3, layer_cfg=dict(self_attn_cfg=attn, ffn_cfg=ffn)),
    decoder=dict(
        num_layers=3, layer_cfg=dict(self_attn_cfg=attn, cross_attn_cfg=attn, ffn_cfg=ffn)
    ),
    positional_encoding=dict(num_feats=dims // 2),
    bbox_head=dict(embed_dims=dims, feat_channels=256),
    test_cfg=dict(max_per_img=num_queries),
)

# ---- data --------------------------------------------------------------------------------
train_pipeline = _base_.train_pipeline
train_pipeline[1].num_patches = num_patches  # RandomQueryPatches
train_pipeline[2] = dict(type='Resize', scale=img_scale, keep_ratio=True)
test_pipeline = _base_.test_pipeline
test_pipeline[1].num_patches = num_patches
test_pipeline[2].scale = img_scale  # Resize
train_dataloader = dict(num_workers=1, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=1, dataset=dict(data_root=data_root, pipeline=test_pipeline)
)
test_dataloader = val_dataloader

# ---- schedule: 2 epochs of the 3,000 unlabeled images (750 steps), lr 5e-4 after a 100-step
# warm-up, cosine to 5e-5. What it learns: docs/measurements.md.
max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100, end=750, eta_min=5e-5),
]
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
