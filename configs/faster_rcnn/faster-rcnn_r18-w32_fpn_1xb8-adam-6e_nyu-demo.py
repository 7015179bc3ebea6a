# The demo Faster R-CNN at half the fine-tuning budget: what `make demo` runs (the 12-epoch
# parent does not fit its 15 minutes on 2 cores); the seed study (docs/results.md) compares
# both. Random init, like its parent.
_base_ = './faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py'

# 6 epochs, lr halved at 4 (MultiStepLR)
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=6, milestones=[4]),
]
