# The demo Faster R-CNN from the demo Barlow Twins backbone pretrained on the COCO-format
# export's unlabeled tree (barlowtwins_..._coco-demo.py), 6 epochs, on its COCO json: the
# _nyu-demo twin's numbers (tests/test_your_data.py). The random-init COCO leaf's data and
# schedule lines with the pretrained backbone's (a leaf of that leaf would be a fourth level).
_base_ = [
    './faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py',
    '../_base_/datasets/coco_detection_splits.py',
]

ckpt = 'work_dirs/barlowtwins_resnet18-w32_1xb64-coslr-20e_coco-demo/epoch_20.pth'
# _delete_: the parent's init_cfg is None
pretrained = dict(_delete_=True, type='Pretrained', checkpoint=ckpt, prefix='backbone.')
model = dict(backbone=dict(init_cfg=pretrained))

# ---- data: the COCO json instead of the NYU layout --------------------------------------------
train_dataloader = dict(dataset=dict(_base_.demo_coco_train_dataset, _delete_=True,
                                     pipeline=_base_.train_pipeline))  # fmt: skip
val_dataloader = dict(dataset=dict(_base_.demo_coco_val_dataset, _delete_=True,
                                   pipeline=_base_.test_pipeline))  # fmt: skip
test_dataloader = val_dataloader

# ---- schedule: 6 epochs, lr halved at 4 ---------------------------------------------------------
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=6, milestones=[4]),
]
