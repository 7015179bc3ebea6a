# Soft Teacher on the embedded demo data: the demo Faster R-CNN (ResNet-18 at half width, FPN,
# 160 px) as student and EMA teacher, on the labeled demo training images (any
# label_fraction) and the 3,000 unlabeled demo images, with the demo fine-tune's supervised
# budget: 450 iterations of 8 labeled images (= its 6 epochs of 600), Adam 4e-4 halved after
# 2/3, bf16 where the CPU has it; each iteration adds 8 unlabeled images. Random init; a spec
# starts the backbone from a pretraining through `model.detector.backbone.init_cfg.checkpoint`
# (configs/matrix/demo_unlabeled.yml).
_base_ = [
    '../faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py',
    '../_base_/datasets/nyu_semi_detection.py',
]

# ---- model: the demo detector, wrapped --------------------------------------------------------
detector = _base_.model
model = dict(
    _base_.soft_teacher_model,
    _delete_=True,
    detector=detector,
    data_preprocessor=dict(
        type='MultiBranchDataPreprocessor', data_preprocessor=detector.data_preprocessor
    ),
)

# ---- data: mmdet's semi-supervised views at the demo's scale ---------------------------------
# 0.5-1.5x the demo's 160 px (mmdet's (1333, 400)-(1333, 1200) is ~0.5-1.25x its 800)
scale = [(240, 80), (240, 240)]
sup_pipeline = _base_.semi_sup_pipeline
sup_pipeline[2].scale = scale  # RandomResize
weak_pipeline = _base_.semi_weak_pipeline
weak_pipeline[0].scale = scale
strong_pipeline = _base_.semi_strong_pipeline
strong_pipeline[0].scale = scale
unsup_pipeline = _base_.semi_unsup_pipeline
unsup_pipeline[2].update(unsup_teacher=weak_pipeline, unsup_student=strong_pipeline)
# 8 labeled + 8 unlabeled images an iteration (mmdet's 1:4 would be 40 images, 5x the
# fine-tune's step on the CPU)
train_dataloader = dict(
    _base_.semi_train_dataloader,
    _delete_=True,
    batch_size=16,
    num_workers=2,
    sampler=dict(_base_.semi_train_dataloader.sampler, batch_size=16, source_ratio=[1, 1]),
    dataset=dict(
        _base_.semi_train_dataloader.dataset,
        datasets=[
            dict(_base_.demo_train_dataset, pipeline=sup_pipeline),
            dict(_base_.semi_unlabeled_dataset, data_root=_base_.demo_data_root,
                 pipeline=unsup_pipeline),
        ],
    ),
)  # fmt: skip

# ---- schedule: the fine-tune's, in iterations --------------------------------------------------
max_iters = 450
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)  # fmt: skip
val_cfg = dict(type='TeacherStudentValLoop')
auto_scale_lr = dict(enable=False, base_batch_size=16)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters, milestones=[300], gamma=0.5),
]

# ---- runtime: iterations; the teacher an EMA of the student ------------------------------------
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=max_iters, save_best='teacher/coco/bbox_mAP'),
)
log_processor = dict(by_epoch=False)
# momentum 0.01: the teacher averages the last ~100 of the 450 iterations (mmdet's 0.001 is
# ~1,000 of its 180,000; that here would leave the teacher near its random init)
custom_hooks = [dict(type='MeanTeacherHook', momentum=0.01)]
