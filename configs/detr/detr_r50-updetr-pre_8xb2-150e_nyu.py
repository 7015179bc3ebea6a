# DETR R50 fine-tuned from UP-DETR pretraining (the report's "DETR (UP-DETR pretrained)" row):
# backbone, neck, transformer and queries from
# configs/updetr/updetr_r50-barlowtwins-pre_8xb8-adamw-60e_nyu.py, a fresh 100-class head.
_base_ = './detr_r50-barlowtwins-pre_8xb2-150e_nyu.py'

updetr_work_dir = 'work_dirs/updetr_r50-barlowtwins-pre_8xb8-adamw-60e_nyu'
model = dict(
    # mmdet's DETR re-initialises the transformer after a model-level Pretrained load;
    # PretrainedDETR loads last. The checkpoint's 2-class head differs in shape and is left
    # freshly initialised (0.1% of the parameters), its patch branch (patch2query,
    # feature_align) is not used: the >= 95% guard passes.
    type='PretrainedDETR',
    backbone=dict(init_cfg=None),  # the (Barlow Twins) backbone is in the UP-DETR checkpoint
    init_cfg=dict(type='Pretrained', checkpoint=updetr_work_dir + '/epoch_60.pth'),
)
