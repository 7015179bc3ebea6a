# The tiny test detector on a COCO-format export of the tiny demo data: its nyu-demo twin with
# the COCO json's datasets.
_base_ = [
    './faster-rcnn_tiny_nyu-demo.py',
    '../../configs/_base_/datasets/coco_detection_splits.py',
]

train_dataloader = dict(dataset=dict(_base_.demo_coco_train_dataset, _delete_=True,
                                     pipeline=_base_.train_pipeline))  # fmt: skip
val_dataloader = dict(dataset=dict(_base_.demo_coco_val_dataset, _delete_=True,
                                   pipeline=_base_.test_pipeline))  # fmt: skip
test_dataloader = val_dataloader
