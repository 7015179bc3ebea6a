# VICRegL, ResNet-50, on the NYU unlabeled images: the VICReg recipe here (augmentations,
# expander, LARS, 100 epochs) plus VICRegL's local criterion, so that the two differ in that
# alone.
_base_ = ['../vicreg/vicreg_resnet50_8xb64-coslr-100e_nyu.py', '../_base_/models/vicregl.py']

model = _base_.vicregl_model
