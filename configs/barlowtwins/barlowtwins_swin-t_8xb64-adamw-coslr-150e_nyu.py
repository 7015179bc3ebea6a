# Barlow Twins with a Swin-T backbone on the NYU unlabeled images. The backbone is
# mmpretrain's SwinTransformer, the class the Swin detector uses too, so the keys match.
_base_ = ['./barlowtwins_resnet50_8xb64-coslr-150e_nyu.py', '../_base_/models/swin-t.py']

model = dict(
    backbone=dict(_base_.swin_t_backbone, _delete_=True, drop_path_rate=0.1, out_indices=(3,)),
    neck=dict(in_channels=768),
)

# ---- optimizer -----------------------------------------------------------------------------
# AdamW, not LARS: LARS's per-layer trust ratio was tuned for convolutional nets with
# BatchNorm; transformers with LayerNorm pretrain stably with AdamW, as in MoCo v3, DINO and
# iBOT (lr 5e-4 per 512 images, weight decay 0.05, none on norms, biases and position tables).
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=3.0),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.0),
            'relative_position_bias_table': dict(decay_mult=0.0),
        },
    ),
)
# The parent's warm-up then cosine, ending at 1/1000 of this lr.
param_scheduler = [_base_.param_scheduler[0], dict(_base_.param_scheduler[1], eta_min=5e-7)]
