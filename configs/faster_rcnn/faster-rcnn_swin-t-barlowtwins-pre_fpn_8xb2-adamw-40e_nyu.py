# Faster R-CNN with the Barlow Twins Swin-T backbone (the report's last row, whose near-zero
# mAP was most likely a checkpoint whose keys matched nothing: here the same class and keys as in
# pretraining, and a load that refuses a checkpoint that does not fit).
_base_ = ['./faster-rcnn_r50_fpn_8xb2-adam-40e_nyu.py', '../_base_/models/swin-t.py']

ssl_work_dir = 'work_dirs/barlowtwins_swin-t_8xb64-adamw-coslr-150e_nyu'
model = dict(
    backbone=dict(
        _base_.swin_t_backbone,
        _delete_=True,
        drop_path_rate=0.2,
        out_indices=(0, 1, 2, 3),
        # pretraining made only the last stage's output norm: norm0-2 start fresh, a few
        # thousand of 28M parameters, well inside the 95% the loader requires
        init_cfg=dict(
            type='Pretrained', checkpoint=ssl_work_dir + '/epoch_150.pth', prefix='backbone.'
        ),
    ),
    neck=dict(in_channels=[96, 192, 384, 768]),
)

# ---- optimizer: mmdet's Swin recipe (AdamW 1e-4, wd 0.05, no decay on norms and position
# tables), with the report's schedule (lr halved at epoch 20 of 40) from the parent ----------
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys=_base_.swin_no_decay),
)
