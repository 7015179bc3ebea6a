# The demo DETR fine-tuned from the demo UP-DETR pretraining
# (configs/updetr/updetr_r18-w32-barlowtwins-pre_1xb8-adamw-2e_nyu-demo.py): as
# ./detr_r50-updetr-pre_8xb2-150e_nyu.py, the whole model from UP-DETR, loaded last.
_base_ = './detr_r18-w32_1xb8-adamw-12e_nyu-demo.py'

ckpt = 'work_dirs/updetr_r18-w32-barlowtwins-pre_1xb8-adamw-2e_nyu-demo/epoch_2.pth'
model = dict(type='PretrainedDETR', init_cfg=dict(type='Pretrained', checkpoint=ckpt))
