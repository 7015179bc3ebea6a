# An "instant test" config: the demo detector on a handful of images, a few iterations,
# no dataloader workers. The tests set data_root with --cfg-options.
_base_ = '../../configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py'

train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2, val_interval=1)
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[1], gamma=0.5)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=2))
randomness = dict(seed=0, deterministic=True)
