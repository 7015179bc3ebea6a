# DETR on the embedded demo data with only the backbone pretrained (the demo Barlow Twins run),
# the transformer from random init: the report's "Barlow Twins + DETR" row at demo scale, beside
# ./detr_r18-w32-updetr-pre_1xb8-adamw-12e_nyu-demo.py (same model, data and schedule).
_base_ = './detr_r18-w32-updetr-pre_1xb8-adamw-12e_nyu-demo.py'

ssl_work_dir = 'work_dirs/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo'
model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,  # the parent's init_cfg is None (its backbone comes with UP-DETR's)
            type='Pretrained',
            checkpoint=ssl_work_dir + '/epoch_20.pth',
            prefix='backbone.',
        )
    ),
    init_cfg=None,
)
