# The tiny COCO-format test detector initialised from a Barlow Twins checkpoint (set by
# tools/run_matrix.py from its spec, as for the nyu-demo twin).
_base_ = './faster-rcnn_tiny_coco-demo.py'

model = dict(
    backbone=dict(
        init_cfg=dict(_delete_=True, type='Pretrained', checkpoint='', prefix='backbone.')
    )
)
