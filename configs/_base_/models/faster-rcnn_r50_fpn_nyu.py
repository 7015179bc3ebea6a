# mmdet's Faster R-CNN R50-FPN for the NYU labeled data: 100 classes, the data's own
# normalisation, a random-init backbone. Shared by the full-scale and the demo-scale primitives.
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'

# The data's own statistics: a primitive sets them from datasets/nyu_detection_splits.py
# (`data_preprocessor=_base_.nyu_data_preprocessor`), where they are written once.
model = dict(
    backbone=dict(
        # Random init: nothing to freeze, and BN statistics must be learnt, so no frozen
        # stages and norm_eval=False. Initialised leaves (SSL, ImageNet) set init_cfg.
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None,
    ),
    roi_head=dict(bbox_head=dict(num_classes=100)),
)
