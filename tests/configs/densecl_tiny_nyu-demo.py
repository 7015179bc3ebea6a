# An "instant test" config: the demo DenseCL on a handful of images, no workers.
_base_ = '../../configs/densecl/densecl_resnet18-w32_1xb64-coslr-20e_nyu-demo.py'

train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False, drop_last=False)
train_cfg = dict(max_epochs=2)
model = dict(queue_len=6144)  # a multiple of every batch here: 4 and 2 (one process), 3 (two)
param_scheduler = [dict(type='ConstantLR', factor=1.0)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=2))
# the k-NN probe every epoch (the tests give its data with --data-root)
custom_hooks = [dict(_base_.custom_hooks[0], crop_size=16, interval=1)]
