# The demo Faster R-CNN at half the fine-tuning budget: 6 epochs, lr halved at 4. What
# `make demo` runs (the 12-epoch parent does not fit its 15 minutes on 2 cores); the README's
# seed study compares both budgets. Random init, like its parent.
_base_ = './faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py'

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs, milestones=[4], gamma=0.5),
]
