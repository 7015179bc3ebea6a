# The 6-epoch demo detector (./faster-rcnn_r18-w32_fpn_1xb8-adam-6e_nyu-demo.py) fine-tuned
# from the demo Barlow Twins backbone
# (configs/barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py):
# the 12-epoch primitive with that leaf's schedule and this checkpoint.
_base_ = './faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py'

ssl_work_dir = 'work_dirs/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo'
model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            checkpoint=ssl_work_dir + '/epoch_20.pth',
            prefix='backbone.',
        )
    )
)  # the parent's is None
# the 6-epoch leaf's schedule
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = _base_.param_scheduler
param_scheduler[1].update(end=max_epochs, milestones=[4])  # MultiStepLR
