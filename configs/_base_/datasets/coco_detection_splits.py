# Labeled data as a COCO instances json and its photos (what CVAT, Label Studio, Roboflow and
# FiftyOne export), beside ./nyu_detection_splits.py: dataset dicts, no pipeline (the recipe
# brings its own), named apart from mmdet's and the NYU file's keys so that this file mixes with
# a whole recipe. A config switches its data by taking these dicts instead of the NYU ones:
#   train_dataloader = dict(dataset=dict(_base_.coco_train_dataset, _delete_=True,
#                                        pipeline=_base_.train_pipeline))
# (docs/your_data.md walks through it). CheckedCocoDataset reads the classes from the json's
# categories (in id order) unless metainfo names them, names every bad annotation by file and
# id, and with bad_data='skip' leaves unusable images out instead of refusing to build
# (custom_modules/datasets/coco.py). --data-root DIR moves every dict here.

coco_data_root = 'data/coco/'
# <data_root>/annotations/training.json, its images under <data_root>/training/ (the json's
# file_name relative to it); the same for validation
coco_train_dataset = dict(
    type='CheckedCocoDataset',
    data_root=coco_data_root,
    ann_file='annotations/training.json',
    data_prefix=dict(img='training/'),
    filter_cfg=dict(filter_empty_gt=True, min_size=32),
)
coco_val_dataset = dict(
    type='CheckedCocoDataset',
    data_root=coco_data_root,
    ann_file='annotations/validation.json',
    data_prefix=dict(img='validation/'),
    test_mode=True,
)
# the unlabeled photos: every image under <data_root>/unlabeled/, any folder tree
coco_unlabeled_dataset = dict(type='UnlabeledImageDataset', data_root=coco_data_root,
                              data_prefix='unlabeled')  # fmt: skip
# the SSL runs' k-NN probe on these splits (as nyu_detection_splits.py's nyu_knn_probe)
coco_knn_probe = dict(type='KNNProbeHook', train_dataset=dict(coco_train_dataset, bad_data='skip'),
                      val_dataset=dict(coco_val_dataset, bad_data='skip'), crop_size=64,
                      interval=5)  # fmt: skip

# ---- the embedded demo data exported to this format ------------------------------------------
#   python tools/dataset_converters/nyu2coco.py data/demo data/demo-coco --demo --unlabeled-tree
# (unlabeled images in nested folders with mixed-case extensions): the same images in the same
# order as the NYU layout, so the *_coco-demo configs give the *_nyu-demo numbers.
demo_coco_data_root = 'data/demo-coco/'
demo_coco_train_dataset = dict(coco_train_dataset, data_root=demo_coco_data_root,
                               filter_cfg=dict(filter_empty_gt=True, min_size=0))  # fmt: skip
demo_coco_val_dataset = dict(coco_val_dataset, data_root=demo_coco_data_root)
demo_coco_knn_probe = dict(
    coco_knn_probe,
    train_dataset=dict(demo_coco_train_dataset, bad_data='skip'),
    val_dataset=dict(demo_coco_val_dataset, bad_data='skip'),
    crop_size=48,
)
