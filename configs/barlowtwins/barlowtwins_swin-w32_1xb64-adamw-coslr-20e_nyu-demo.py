# Barlow Twins with the demo's Swin (mmpretrain's SwinTransformer at a third of Swin-T's width,
# the class and keys of the Swin detector) on the embedded demo data: the demo ResNet-18 run
# with the backbone and optimiser swapped, everything else (views, projector, 20 epochs) equal.
_base_ = ['./barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py', '../_base_/models/swin-t.py']

model = dict(backbone=dict(_base_.swin_demo_backbone, _delete_=True, out_indices=(3,)))

# ---- optimizer: AdamW for the transformer (swin-t.py), the demo's warm-up then cosine -----------
optim_wrapper = dict(_base_.swin_demo_ssl_optim_wrapper, _delete_=True)
