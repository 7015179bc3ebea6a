# DETR R50 fine-tuned from UP-DETR pretraining (the report's "DETR (UP-DETR pretrained)" row):
# backbone, neck, transformer and queries from
# configs/updetr/updetr_r50-barlowtwins-pre_8xb8-adamw-60e_nyu.py, a fresh 100-class head.
_base_ = './detr_r50_8xb2-150e_nyu.py'

updetr_work_dir = 'work_dirs/updetr_r50-barlowtwins-pre_8xb8-adamw-60e_nyu'
model = dict(
    # mmdet's DETR re-initialises the transformer after a model-level Pretrained load;
    # PretrainedDETR loads last. The checkpoint's 2-class head differs in shape and is left
    # freshly initialised (0.1% of the parameters), its patch branch (patch2query,
    # feature_align) is not used: the >= 95% guard passes. The backbone (Barlow Twins, then
    # frozen in UP-DETR) comes with the checkpoint: its own init_cfg stays None.
    type='PretrainedDETR',
    # BN trained and synced across GPUs, as in ./detr_r50-barlowtwins-pre_8xb2-150e_nyu.py
    backbone=dict(norm_cfg=dict(type='SyncBN', requires_grad=True)),
    init_cfg=dict(type='Pretrained', checkpoint=updetr_work_dir + '/epoch_60.pth'),
)
