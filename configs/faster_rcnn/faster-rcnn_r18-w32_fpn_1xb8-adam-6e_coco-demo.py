# The demo Faster R-CNN (random init, 6 epochs) on the demo data exported to COCO json
# (_base_/datasets/coco_detection_splits.py): the same images in the same order as its
# _nyu-demo twin, so the same numbers (tests/test_your_data.py). On your own COCO json: the
# same lines with coco_train_dataset / coco_val_dataset and --data-root DIR.
_base_ = [
    './faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py',
    '../_base_/datasets/coco_detection_splits.py',
]

# ---- data: the COCO json instead of the NYU layout --------------------------------------------
train_dataloader = dict(dataset=dict(_base_.demo_coco_train_dataset, _delete_=True,
                                     pipeline=_base_.train_pipeline))  # fmt: skip
val_dataloader = dict(dataset=dict(_base_.demo_coco_val_dataset, _delete_=True,
                                   pipeline=_base_.test_pipeline))  # fmt: skip
test_dataloader = val_dataloader

# ---- schedule: 6 epochs, lr halved at 4 (the _nyu-demo 6e leaf's) ---------------------------
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=6, milestones=[4]),
]
