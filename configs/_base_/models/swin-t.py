# mmpretrain's Swin-T, the one class both the Swin Barlow Twins and the Swin Faster R-CNN use, so
# that the pretrained keys match the detector's. Small feature maps (small images) are padded to
# the window.
swin_t_backbone = dict(
    type='mmpretrain.SwinTransformer', arch='tiny', img_size=224, pad_small_map=True
)

# The demo's Swin: the same class and keys at a third of Swin-T's width (stages of 32-64-128-256
# channels, those of the demo's half-width ResNet-18, so the demo FPN and projector fit both),
# Swin-T's depths and head width (32 channels a head). Windows of 4, not 7: a 64 px SSL view
# has 16, 8, 4 and 2 tokens a side in the four stages, which windows of 7 pad to 21, 14, 7 and 7
# (stage 4 at 12x its tokens); with 4 a step takes 0.68 s instead of 1.71 s (R18 w32: 0.33 s;
# 128 views, one thread).
swin_demo_backbone = dict(
    swin_t_backbone,
    arch=dict(embed_dims=32, depths=[2, 2, 6, 2], num_heads=[1, 2, 4, 8]),
    img_size=160,
    window_size=4,
)
# mmdet's Swin rule: no weight decay on norms and position tables
swin_no_decay = {
    'absolute_pos_embed': dict(decay_mult=0.0),
    'relative_position_bias_table': dict(decay_mult=0.0),
    'norm': dict(decay_mult=0.0),
}
# The demo Swin's SSL optimiser: AdamW for the transformer, as the full-scale Swin run (its
# reasons there), lr 1e-3 for a 20-epoch run, no decay on norms, biases and position tables,
# gradients clipped at 3 (the Swin Barlow Twins, VICReg and BYOL demo runs)
swin_demo_ssl_optim_wrapper = dict(
    type='BF16OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=3.0),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={'relative_position_bias_table': dict(decay_mult=0.0)},
    ),
)
