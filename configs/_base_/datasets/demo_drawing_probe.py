# The datasets of the probe that chooses a pretraining recipe without looking at the test
# (tools/probe_backbone.py --probe-data): object crops of labeled/probe_memory are the k-NN memory,
# of labeled/probe_queries the queries. `python tools/make_demo_data.py data/demo --probe 300`
# writes both beside the demo's splits: the queries show one training drawing per class, the
# memory the others, so a query is a new drawing of a known class as in the validation split,
# whose drawings neither shows. Any labeled dataset dicts will do in a file of this shape.
_base_ = ['./nyu_detection_splits.py']

train_dataset = dict(
    _base_.demo_train_dataset,
    data_prefix=dict(img='labeled/probe_memory/images', ann='labeled/probe_memory/labels'),
    bad_data='skip',
)
val_dataset = dict(
    _base_.demo_val_dataset,
    data_prefix=dict(img='labeled/probe_queries/images', ann='labeled/probe_queries/labels'),
    bad_data='skip',
)
