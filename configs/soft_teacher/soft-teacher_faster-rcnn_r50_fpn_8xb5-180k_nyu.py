# Soft Teacher (Xu et al., ICCV 2021; mmdet's SoftTeacher) on the NYU data: the NYU Faster R-CNN
# R50-FPN as student and as its EMA teacher, trained on the labeled training images and
# pseudo-labels of the unlabeled ones, mmdet's COCO recipe (180k iterations, SGD 0.01, batches
# of 1 labeled + 4 unlabeled images per GPU). Random init, like the detector it wraps; the
# `-barlowtwins-pre` variant in a spec starts the backbone from a pretraining
# (`model.detector.backbone.init_cfg`). Validation and test use the teacher.
_base_ = [
    '../faster_rcnn/faster-rcnn_r50_fpn_8xb2-adam-40e_nyu.py',
    '../_base_/datasets/nyu_semi_detection.py',
]

# ---- model: the detector, wrapped -----------------------------------------------------------
detector = _base_.model
model = dict(
    _base_.soft_teacher_model,
    _delete_=True,
    detector=detector,
    data_preprocessor=dict(
        type='MultiBranchDataPreprocessor', data_preprocessor=detector.data_preprocessor
    ),
)

# ---- data: the labeled training split (any label_fraction) and the unlabeled images --------
labeled_dataset = dict(_base_.nyu_train_dataset, pipeline=_base_.semi_sup_pipeline)
train_dataloader = dict(
    _base_.semi_train_dataloader,
    _delete_=True,
    dataset=dict(
        _base_.semi_train_dataloader.dataset,
        datasets=[labeled_dataset, _base_.semi_unlabeled_dataset],
    ),  # fmt: skip
)

# ---- schedule: mmdet's ----------------------------------------------------------------------
max_iters = 180000
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
val_cfg = dict(type='TeacherStudentValLoop')
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001))  # fmt: skip
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[120000, 160000],
        gamma=0.1,
    ),  # fmt: skip
]
auto_scale_lr = dict(enable=False, base_batch_size=40)

# ---- runtime: iterations, the teacher an EMA of the student --------------------------------
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=10000, save_best='teacher/coco/bbox_mAP'),
)
log_processor = dict(by_epoch=False)
custom_hooks = [dict(type='MeanTeacherHook')]
