# VICReg with the demo's Swin (issue 26's control for the Swin Barlow Twins row): the demo
# VICReg run with the backbone and optimiser of barlowtwins_swin-w32_..._nyu-demo.py, everything
# else (views, 512-wide expander, 20 epochs) equal, so that the loss is the one thing that
# differs from the Swin Barlow Twins run.
_base_ = ['./vicreg_resnet18-w32_1xb64-coslr-20e_nyu-demo.py', '../_base_/models/swin-t.py']

model = dict(backbone=dict(_base_.swin_demo_backbone, _delete_=True, out_indices=(3,)))

# ---- optimizer: the Swin Barlow Twins run's AdamW (lr 1e-3, wd 0.05, no decay on norms,
# biases and position tables, gradients clipped at 3) -------------------------------------------
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
