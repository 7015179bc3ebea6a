# The tiny test Barlow Twins on a COCO-format export of the tiny demo data (nyu2coco.py ROOT OUT
# --demo --unlabeled-tree N): its nyu-demo twin with the COCO splits' k-NN probe.
_base_ = [
    './barlowtwins_tiny_nyu-demo.py',
    '../../configs/_base_/datasets/coco_detection_splits.py',
]

custom_hooks = [
    _base_.custom_hooks[0],
    dict(_base_.demo_coco_knn_probe, crop_size=16, interval=1),
]
