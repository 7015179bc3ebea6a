# An "instant test" config: the demo Soft Teacher on the tiny test data (8 labeled, 6
# unlabeled images), 64 px, batches of 1 labeled + 1 unlabeled image, a few iterations, no
# dataloader workers. The tests set the data with --data-root.
_base_ = (
    '../../configs/soft_teacher/soft-teacher_faster-rcnn_r18-w32_fpn_1xb16-adam-450i_nyu-demo.py'
)

scale = [(96, 32), (96, 96)]
sup_pipeline = _base_.sup_pipeline
sup_pipeline[2].scale = scale
unsup_pipeline = _base_.unsup_pipeline
unsup_pipeline[2].unsup_teacher[0].scale = scale
unsup_pipeline[2].unsup_student[0].scale = scale
datasets = _base_.train_dataloader.dataset.datasets
datasets[0].pipeline = sup_pipeline
datasets[1].pipeline = unsup_pipeline
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        sampler=dict(batch_size=2), dataset=dict(datasets=datasets))  # fmt: skip
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
model = dict(
    detector=dict(
        train_cfg=dict(
            rpn_proposal=dict(nms_pre=200, max_per_img=50), rcnn=dict(sampler=dict(num=32))
        )
    ),  # fmt: skip
    # a fresh teacher predicts nothing above mmdet's 0.9: let pseudo-labels through, so that
    # the unsupervised box losses run too
    semi_train_cfg=dict(
        pseudo_label_initial_score_thr=0.0, cls_pseudo_thr=0.0, rpn_pseudo_thr=0.0
    ),  # fmt: skip
)
max_iters = 2
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[1], gamma=0.5)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1, max_keep_ckpts=2))
randomness = dict(seed=0, deterministic=True)
