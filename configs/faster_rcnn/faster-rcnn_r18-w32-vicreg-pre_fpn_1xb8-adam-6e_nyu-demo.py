# The 6-epoch demo detector fine-tuned from the demo VICReg backbone
# (configs/vicreg/vicreg_resnet18-w32_1xb64-coslr-20e_nyu-demo.py): the Barlow Twins 6-epoch
# demo fine-tune with the other checkpoint, the same budget.
_base_ = './faster-rcnn_r18-w32-barlowtwins-pre_fpn_1xb8-adam-6e_nyu-demo.py'

ssl_work_dir = 'work_dirs/vicreg_resnet18-w32_1xb64-coslr-20e_nyu-demo'
model = dict(backbone=dict(init_cfg=dict(checkpoint=ssl_work_dir + '/epoch_20.pth')))
