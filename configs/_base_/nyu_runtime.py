# The reliability hooks of every training config here (custom_modules/hooks; docs/reliability.md):
# crash-safe checkpoints (written atomically, the old one removed only after the new one is
# complete), a stop on NaN/Inf losses and per-epoch seeds (resume = uninterrupted run); detectors
# also check the head's num_classes against the class list and keep the best epoch. A primitive
# merges one of these into the default_hooks of its upstream runtime (`default_hooks =
# _base_.ssl_hooks`): they are named apart from mmengine's keys so that this file mixes with any
# upstream recipe (mmengine refuses a key defined by two bases). Every config lists this file, so it
# also loads the project's classes.
custom_imports = dict(imports=['custom_modules'], allow_failed_imports=False)
ssl_hooks = dict(
    checkpoint=dict(type='AtomicCheckpointHook', max_keep_ckpts=3),
    nonfinite=dict(type='NonFiniteLossHook', max_skips=0),
    epoch_seed=dict(type='EpochSeedHook'),
)
# the demo-scale SSL runs: a log line every 10 iterations, one checkpoint kept
demo_ssl_hooks = dict(
    ssl_hooks, logger=dict(interval=10), checkpoint=dict(ssl_hooks['checkpoint'], max_keep_ckpts=1)
)
detector_hooks = dict(
    nonfinite=dict(type='NonFiniteLossHook', max_skips=0),
    epoch_seed=dict(type='EpochSeedHook'),
    class_check=dict(type='ClassCountCheckHook'),
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=1,
        max_keep_ckpts=3,
        save_best='coco/bbox_mAP',
        rule='greater',
    ),
)

# the demo-scale detectors: a log line every 25 iterations, one checkpoint kept (and the best)
demo_detector_hooks = dict(
    detector_hooks,
    logger=dict(interval=25),
    checkpoint=dict(detector_hooks['checkpoint'], max_keep_ckpts=1),
)

# Scalars (losses, lr, k-NN probe, cross-correlation diagnostics, COCO mAP) go to
# vis_data/scalars.json and to TensorBoard (`tensorboard --logdir work_dirs`). A primitive sets
# `visualizer = _base_.ssl_visualizer` (mmpretrain) or `_base_.det_visualizer` (mmdet): afresh,
# so that no `_scope_` of an upstream base reaches tools that pass the dict to the class itself
# (mmpretrain's browse_dataset).
nyu_vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
ssl_visualizer = dict(_delete_=True, type='UniversalVisualizer', vis_backends=nyu_vis_backends)
det_visualizer = dict(
    _delete_=True, type='DetLocalVisualizer', vis_backends=nyu_vis_backends, name='visualizer'
)
