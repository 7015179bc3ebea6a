# Barlow Twins with the demo's Swin (mmpretrain's SwinTransformer at a third of Swin-T's width,
# the class and keys of the Swin detector) on the embedded demo data: the demo ResNet-18 run
# with the backbone and optimiser swapped, everything else (views, projector, 20 epochs) equal.
_base_ = ['./barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py', '../_base_/models/swin-t.py']

model = dict(backbone=dict(_base_.swin_demo_backbone, _delete_=True, out_indices=(3,)))

# ---- optimizer: AdamW for the transformer, as the full-scale Swin run (its reasons there);
# lr 1e-3 for a 20-epoch run, the demo's warm-up then cosine ----------------------------------
optim_wrapper = dict(
    _delete_=True,
    type='BF16OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=3.0),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={'relative_position_bias_table': dict(decay_mult=0.0)},
    ),
)
