"""Building a detection dataset from its config wherever the caller runs (an mmpretrain runner,
a tool): the k-NN probe, the checks and the pictures take a dataset config, so any format works."""

import copy

from mmdet.registry import DATASETS


def build_det_dataset(cfg: dict, **overrides):
    """An mmdet dataset from its config, in mmdet's registry scope whatever the default scope
    (an SSL run's is mmpretrain's), without a pipeline unless the config has one.

    Args:
        cfg (dict): The dataset config (the dict a dataloader has; wrappers too).
        **overrides: Set on the config first, e.g. ``test_mode=True`` for every image.

    Returns:
        The dataset, fully initialised.
    """
    cfg = copy.deepcopy(dict(cfg))
    cfg.update(overrides)
    cfg.setdefault('pipeline', [])
    cfg.setdefault('_scope_', 'mmdet')
    return DATASETS.build(cfg)
