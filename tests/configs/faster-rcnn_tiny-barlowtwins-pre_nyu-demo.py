# The tiny test detector initialised from a Barlow Twins checkpoint: the tests set
# model.backbone.init_cfg.checkpoint (tools/run_matrix.py does it from its spec).
_base_ = './faster-rcnn_tiny_nyu-demo.py'

model = dict(
    backbone=dict(
        init_cfg=dict(_delete_=True, type='Pretrained', checkpoint='', prefix='backbone.')
    )
)
