# An "instant test" config: the tiny VICRegL with the full-scale configs' device-side
# augmentation (workers crop and flip, the data preprocessor does the colour steps) at 64 px.
_base_ = './vicregl_tiny_nyu-demo.py'

data_preprocessor = dict(view_augments=_base_.view_augments)
train_pipeline = _base_.train_pipeline
train_pipeline[1].transforms = [[dict(_base_.crop_flip, scale=64)]] * 2
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
