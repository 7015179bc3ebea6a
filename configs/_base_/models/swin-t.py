# mmpretrain's Swin-T, the one class both the Swin Barlow Twins and the Swin Faster R-CNN use, so
# that the pretrained keys match the detector's. Small feature maps (small images) are padded to
# the window.
swin_t_backbone = dict(
    type='mmpretrain.SwinTransformer', arch='tiny', img_size=224, pad_small_map=True
)
