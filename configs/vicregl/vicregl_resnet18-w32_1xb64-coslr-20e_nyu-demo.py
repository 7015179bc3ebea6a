# VICRegL on the embedded demo data: the demo VICReg plus VICRegL's local criterion (ResNet-18 at
# half width: 256-wide cells; 64 px views give 2 x 2 cells a view).
_base_ = [
    '../vicreg/vicreg_resnet18-w32_1xb64-coslr-20e_nyu-demo.py',
    '../_base_/models/vicregl.py',
]

model = dict(_base_.vicregl_model, maps_neck=dict(_base_.vicregl_model.maps_neck, in_channels=256))
