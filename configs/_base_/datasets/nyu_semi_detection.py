# Semi-supervised detection on the NYU layout (mmdet's _base_/datasets/semi_coco_detection.py on
# our data): each batch holds labeled images of <data_root>/labeled/training (the same
# NYUDetDataset and label_fraction subset as the fine-tunes) and unlabeled images of
# <data_root>/unlabeled (the SSL pretraining's images), the latter in a weak view for the
# teacher's pseudo-labels and a strong view for the student. Names are none of mmdet's or
# ./nyu_detection.py's, so this file mixes with a detector config: a Soft Teacher config wraps
# that detector and sets `train_dataloader = _base_.semi_train_dataloader`
# (configs/soft_teacher/).

semi_scale = [(1333, 400), (1333, 1200)]  # mmdet's: random scale around the 800 of testing
semi_branches = ['sup', 'unsup_teacher', 'unsup_student']
# mmdet's RandAugment spaces for the student's strong view
semi_color_space = [[dict(type=t)] for t in (
    'ColorTransform', 'AutoContrast', 'Equalize', 'Sharpness', 'Posterize', 'Solarize',
    'Color', 'Contrast', 'Brightness')]  # fmt: skip
semi_geometric = [[dict(type=t)] for t in (
    'Rotate', 'ShearX', 'ShearY', 'TranslateX', 'TranslateY')]  # fmt: skip
# homography_matrix: the teacher's boxes are mapped into the student's view through it
semi_meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
                  'flip_direction', 'homography_matrix')  # fmt: skip

# labeled images, to the student (supervised loss)
semi_sup_pipeline = [
    dict(type='LoadImageChecked', on_error='skip'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomResize', scale=semi_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandAugment', aug_space=semi_color_space, aug_num=1),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='MultiBranch', branch_field=semi_branches, sup=dict(type='PackDetInputs')),
]
# unlabeled images: a weak view for the teacher, a strong one for the student
semi_weak_pipeline = [
    dict(type='RandomResize', scale=semi_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=semi_meta_keys),
]
semi_strong_pipeline = [
    dict(type='RandomResize', scale=semi_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomOrder',
        transforms=[
            dict(type='RandAugment', aug_space=semi_color_space, aug_num=1),
            dict(type='RandAugment', aug_space=semi_geometric, aug_num=1),
        ],
    ),  # fmt: skip
    dict(type='RandomErasing', n_patches=(1, 5), ratio=(0, 0.2)),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='PackDetInputs', meta_keys=semi_meta_keys),
]
semi_unsup_pipeline = [
    dict(type='LoadImageChecked', on_error='skip'),
    dict(type='LoadEmptyAnnotations'),
    dict(
        type='MultiBranch',
        branch_field=semi_branches,
        unsup_teacher=semi_weak_pipeline,
        unsup_student=semi_strong_pipeline,
    ),  # fmt: skip
]

semi_unlabeled_dataset = dict(type='UnlabeledImageDataset', data_root='data/nyu/',
                              data_prefix='unlabeled', pipeline=semi_unsup_pipeline)  # fmt: skip
# 1 labeled : 4 unlabeled images per batch of 5, mmdet's ratio. The sampler draws from each
# source without end (an iteration-based loop); the labeled source's own order is that of its
# label_fraction subset. Dataset entry 0 is the labeled one: a config sets its dict
# (`datasets=[dict(_base_.nyu_train_dataset, pipeline=...), ...]`).
semi_train_dataloader = dict(
    batch_size=5,
    num_workers=5,
    persistent_workers=True,
    sampler=dict(type='MultiSourceSampler', batch_size=5, source_ratio=[1, 4]),
    # the classes are the labeled dataset's (the first); the unlabeled one has none
    dataset=dict(type='ConcatDataset', ignore_keys=['classes', 'palette']),
)

# mmdet's Soft Teacher settings (its COCO recipe)
soft_teacher_train_cfg = dict(
    freeze_teacher=True,
    sup_weight=1.0,
    unsup_weight=4.0,
    pseudo_label_initial_score_thr=0.5,
    rpn_pseudo_thr=0.9,
    cls_pseudo_thr=0.9,
    reg_pseudo_thr=0.02,
    jitter_times=10,
    jitter_scale=0.06,
    min_pseudo_bbox_wh=(1e-2, 1e-2),
)
# The wrapper less the detector, which a config adds with its data preprocessor:
# `dict(soft_teacher_model, _delete_=True, detector=d, data_preprocessor=dict(
#  type='MultiBranchDataPreprocessor', data_preprocessor=d.data_preprocessor))`.
# Validation and testing use the teacher.
soft_teacher_model = dict(
    type='SoftTeacher',
    semi_train_cfg=soft_teacher_train_cfg,
    semi_test_cfg=dict(predict_on='teacher'),
)
