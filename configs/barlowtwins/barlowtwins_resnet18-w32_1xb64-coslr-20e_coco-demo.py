# The demo Barlow Twins on the demo data exported to COCO json: its unlabeled images in a
# nested folder tree with mixed-case extensions, read in the flat folder's order, and the k-NN
# probe on the COCO json's splits: the _nyu-demo twin's losses and probes
# (tests/test_your_data.py). On your own photos: coco_unlabeled_dataset / coco_knn_probe.
_base_ = [
    './barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py',
    '../_base_/datasets/coco_detection_splits.py',
]

train_dataloader = dict(dataset=dict(data_root=_base_.demo_coco_data_root))
custom_hooks = [_base_.custom_hooks[0], _base_.demo_coco_knn_probe]
