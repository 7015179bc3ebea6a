# Projector-width study on the demo data: the demo Barlow Twins with a 128-wide projector
# (the demo's own is 512). tools/sweep_projector.py runs and plots the sweep.
_base_ = './barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py'

proj_width = 128
model = dict(
    neck=dict(hid_channels=proj_width, out_channels=proj_width), head=dict(in_channels=proj_width)
)
