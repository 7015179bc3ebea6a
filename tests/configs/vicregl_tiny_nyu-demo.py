# An "instant test" config: the demo VICRegL on a handful of images, no workers (the tiny VICReg
# with VICRegL's additions, as the demo VICRegL is the demo VICReg with them).
_base_ = ['./vicreg_tiny_nyu-demo.py', '../../configs/_base_/models/vicregl.py']

model = dict(_base_.vicregl_model, maps_neck=dict(_base_.vicregl_model.maps_neck, in_channels=256))
