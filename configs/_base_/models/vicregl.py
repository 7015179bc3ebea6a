# VICRegL's additions to a VICReg model: a local expander on every cell of the last feature map
# (the paper's 512-512-512) and the VICRegL criterion (global weight alpha 0.75, location-based
# matches (20, 4), the paper's coefficients). The VICRegL configs are VICReg's with these.
vicregl_model = dict(
    type='VICRegL',
    maps_neck=dict(type='VICRegExpander', in_channels=2048, hid_channels=512, out_channels=512,
                   with_avg_pool=False),
    head=dict(_delete_=True, type='VICRegLHead',
              loss=dict(type='VICRegLLoss', alpha=0.75, num_matches=(20, 4))),
)  # fmt: skip
