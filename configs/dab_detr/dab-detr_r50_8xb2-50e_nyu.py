# DAB-DETR R50 on the NYU labeled data (100 classes): mmdet's 50-epoch recipe (AdamW 1e-4,
# backbone lr x0.1, grad clip 0.1, lr /10 at 40), random init. DETR with the queries as anchor
# boxes (x, y, w, h) refined layer by layer and standard attention (no deformable-attention CPU
# fallback); 50 epochs where plain DETR (configs/detr/) needs 150-500.
#
# mmengine forbids two bases defining the same key, so the COCO data of mmdet's file is
# replaced here by the NYU splits of configs/_base_/datasets/nyu_detection_splits.py.
_base_ = [
    'mmdet::dab_detr/dab-detr_r50_8xb2-50e_coco.py',
    '../_base_/datasets/nyu_detection_splits.py',
    '../_base_/nyu_runtime.py',
]

# ---- model: random init on the data's own statistics, 100 classes ------------------------
model = _base_.nyu_detr_model

# ---- data: the NYU labeled splits, mmdet's DAB-DETR augmentations --------------------------
dataset_type = 'NYUDetDataset'
data_root = 'data/nyu/'
# the checked loader (a bad training image is skipped with a warning, an evaluation stops);
# 'instances' lets the COCO metric build the ground truth from the dataset itself
train_pipeline = [dict(type='LoadImageChecked', on_error='skip'), *_base_.train_pipeline[1:]]
test_pipeline = [dict(type='LoadImageChecked', on_error='raise'), *_base_.test_pipeline[1:]]
test_pipeline[-1].meta_keys += ('instances',)
train_dataloader = dict(
    dataset=dict(_base_.nyu_train_dataset, _delete_=True, pipeline=train_pipeline)
)
val_dataloader = dict(dataset=dict(_base_.nyu_val_dataset, _delete_=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(_base_.nyu_evaluator, _delete_=True)  # mmdet's CocoMetric and its json
test_evaluator = val_evaluator

# ---- runtime -----------------------------------------------------------------------------
train_cfg = dict(val_interval=5)
default_hooks = _base_.detector_hooks
visualizer = _base_.det_visualizer
