# Projector-width study (the report's open question): the Barlow Twins ResNet-50 recipe with a
# 8192-wide projector. Run the whole sweep and plot it with tools/sweep_projector.py.
_base_ = './barlowtwins_resnet50_8xb64-coslr-150e_nyu.py'

proj_width = 8192
model = dict(
    neck=dict(hid_channels=proj_width, out_channels=proj_width), head=dict(in_channels=proj_width)
)
