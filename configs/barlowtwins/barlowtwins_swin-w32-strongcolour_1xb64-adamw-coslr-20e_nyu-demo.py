# Barlow Twins with the demo's Swin and strong colour jitter on both views (brightness, contrast
# and saturation 0.8, hue 0.2, grayscale p 0.5, where mmpretrain's views have 0.4/0.4/0.2/0.1 and
# p 0.2): the view change that took the background shortcut away on the shortcut probe, which no
# detector is scored on (docs/results.md, "What the Swin's two views agree through"). Everything
# else is the Swin Barlow Twins demo run's (barlowtwins_swin-w32_..._nyu-demo.py), repeated on
# its bases to stay three levels deep.
_base_ = ['./barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py', '../_base_/models/swin-t.py']

model = dict(backbone=dict(_base_.swin_demo_backbone, _delete_=True, out_indices=(3,)))
optim_wrapper = dict(_base_.swin_demo_ssl_optim_wrapper, _delete_=True)

strong_colour = dict(brightness=0.8, contrast=0.8, saturation=0.8, hue=0.2, gray_prob=0.5)
_views = _base_.train_pipeline[1]
train_pipeline = [
    _base_.train_pipeline[0],
    dict(_views, transforms=[[dict(v[0], **strong_colour)] for v in _views['transforms']]),
    _base_.train_pipeline[2],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
