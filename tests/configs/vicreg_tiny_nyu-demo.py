# An "instant test" config: the demo VICReg on a handful of images, no workers.
_base_ = '../../configs/vicreg/vicreg_resnet18-w32_1xb64-coslr-20e_nyu-demo.py'

train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
train_cfg = dict(max_epochs=2)
param_scheduler = [dict(type='ConstantLR', factor=1.0)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=2))
# every step and epoch; the tests move it with --data-root
custom_hooks = [
    dict(_base_.custom_hooks[0], interval=1),
    dict(_base_.custom_hooks[1], crop_size=16, interval=1),
]
