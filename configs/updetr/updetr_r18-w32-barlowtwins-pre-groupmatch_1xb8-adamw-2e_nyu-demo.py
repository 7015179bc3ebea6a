# The demo UP-DETR with each query patch matched only within its own group of queries
# (QueryGroupCost; not in the paper, whose matching is DETR's over all queries): a control of
# docs/detr_updetr.md, "What stops the patch from being used".
_base_ = './updetr_r18-w32-barlowtwins-pre_1xb8-adamw-2e_nyu-demo.py'

model = dict(
    train_cfg=dict(
        assigner=dict(
            match_costs=[
                *_base_.model.train_cfg.assigner.match_costs,
                dict(type='QueryGroupCost', weight=100.0),
            ]
        )
    )
)
