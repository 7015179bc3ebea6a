# mmdet's Faster R-CNN R50-FPN for the NYU labeled data: 100 classes, the data's own
# normalisation, a random-init backbone. Shared by the full-scale and the demo-scale primitives.
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'

model = dict(
    # The data's own statistics (the report's, in 0-255): mean (0.49, 0.468, 0.414) * 255,
    # std (0.286, 0.278, 0.297) * 255. A pretrained backbone must see the normalisation it
    # was pretrained with; SSL configs use the same numbers.
    data_preprocessor=dict(mean=[124.95, 119.34, 105.57], std=[72.93, 70.89, 75.735]),
    backbone=dict(
        # Random init: nothing to freeze, and BN statistics must be learnt, so no frozen
        # stages and norm_eval=False. Initialised leaves (SSL, ImageNet) set init_cfg.
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None,
    ),
    roi_head=dict(bbox_head=dict(num_classes=100)),
)
