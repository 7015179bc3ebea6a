# VICReg with the demo's Swin (issue 26's control for the Swin Barlow Twins row): the demo
# VICReg run with the backbone and optimiser of barlowtwins_swin-w32_..._nyu-demo.py, everything
# else (views, 512-wide expander, 20 epochs) equal, so that the loss is the one thing that
# differs from the Swin Barlow Twins run.
_base_ = ['./vicreg_resnet18-w32_1xb64-coslr-20e_nyu-demo.py', '../_base_/models/swin-t.py']

model = dict(backbone=dict(_base_.swin_demo_backbone, _delete_=True, out_indices=(3,)))

# ---- optimizer: the Swin Barlow Twins run's AdamW (swin-t.py) ---------------------------------
optim_wrapper = dict(_base_.swin_demo_ssl_optim_wrapper, _delete_=True)
