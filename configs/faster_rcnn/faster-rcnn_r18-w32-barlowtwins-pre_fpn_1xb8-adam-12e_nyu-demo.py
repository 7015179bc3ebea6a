# The demo detector fine-tuned from the demo Barlow Twins backbone
# (configs/barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py), with the same
# budget as its random-init parent.
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
