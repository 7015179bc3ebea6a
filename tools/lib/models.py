"""The model of a config as mmengine's Runner builds it, and batches from its train pipeline."""

import copy
from typing import Optional


def build_model(cfg, checkpoint: Optional[str] = None):
    """The model of ``cfg`` as the Runner builds it on one process.

    As the Runner does: the config's default scope is set, a top-level ``data_preprocessor``
    goes into the model (mmpretrain configs keep mean, std and BGR->RGB there, mmdet configs in
    ``model``; ``MODELS.build(cfg.model)`` alone would feed raw 0-255 BGR pixels to an SSL
    model) and SyncBN layers are reverted to BatchNorm.

    Args:
        cfg (mmengine.Config): A full config (``model``, optionally ``data_preprocessor`` and
            ``default_scope``); not changed.
        checkpoint (str, optional): Weights to load (onto the CPU); without one the model is
            as built: call ``init_weights()`` for the config's initialisation.

    Returns:
        torch.nn.Module: The model in training mode (call ``.eval()`` to embed or predict).
    """
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.runner import load_checkpoint

    import custom_modules  # noqa: F401  (registers the project's classes)

    init_default_scope(cfg.get('default_scope', 'mmengine'))
    model_cfg = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    model = revert_sync_batchnorm(MODELS.build(model_cfg))
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    return model


def build_batches(cfg, data_root: Optional[str] = None, batch_size: Optional[int] = None,
                  num_batches: int = 1) -> list:  # fmt: skip
    """Collated batches made by the config's train pipeline, as its dataloader would hand them
    to ``model.train_step`` (images ``(b * n + i) % len(dataset)``, in order).

    Args:
        cfg (mmengine.Config): A full config with ``train_dataloader``; not changed.
        data_root (str, optional): Replaces the training dataset's ``data_root``.
        batch_size (int, optional): Samples per batch (default: the dataloader's).
        num_batches (int): How many batches.

    Returns:
        list[dict]: ``num_batches`` batches, collated by the dataloader's ``collate_fn``.
    """
    from mmengine.dataset import default_collate, pseudo_collate
    from mmengine.registry import DATASETS, init_default_scope

    import custom_modules  # noqa: F401  (registers the project's classes)

    init_default_scope(cfg.get('default_scope', 'mmengine'))
    loader = copy.deepcopy(cfg.train_dataloader)
    if data_root is not None:
        loader.dataset.data_root = data_root
    dataset = DATASETS.build(loader.dataset)
    n = batch_size or loader.batch_size
    collate = {'default_collate': default_collate, 'pseudo_collate': pseudo_collate}[
        loader.get('collate_fn', {}).get('type', 'pseudo_collate')
    ]
    return [
        collate([dataset[(b * n + i) % len(dataset)] for i in range(n)]) for b in range(num_batches)
    ]


def load_detector(config: str, checkpoint: str, cfg_options: Optional[dict] = None,
                  data_root: Optional[str] = None):  # fmt: skip
    """A trained detector and the dataset it is tested on.

    Args:
        config (str): The detector's config file.
        checkpoint (str): Its weights (the backbone's ``init_cfg`` is dropped: the checkpoint
            holds every weight).
        cfg_options (dict, optional): Overrides merged into the config first.
        data_root (str, optional): The data's root (``config.set_data_root``).

    Returns:
        tuple: (the model in eval mode, on CUDA when there is one, else the CPU; the test
        dataset built from ``test_dataloader.dataset``).
    """
    import torch
    from mmengine.registry import DATASETS

    from .config import read_config

    cfg = read_config(config, cfg_options, data_root)
    cfg.model.backbone.init_cfg = None
    model = build_model(cfg, checkpoint).eval()
    if torch.cuda.is_available():
        model.cuda()
    return model, DATASETS.build(cfg.test_dataloader.dataset)


def probed_backbones(cfg, checkpoints):
    """``(name, model)`` in eval mode for the probes: ``'random init'`` (the config's init, its
    ``randomness.seed``), then each checkpoint (named by its path), built one at a time."""
    import torch

    for ckpt in [None, *checkpoints]:
        torch.manual_seed(cfg.get('randomness', {}).get('seed') or 0)
        model = build_model(cfg, ckpt).eval()
        if ckpt is None:
            model.init_weights()
        yield ckpt or 'random init', model


def raw_pixels(images):
    """(N, H*W) grey levels of uint8 (N, H, W, 3) images, each image's mean removed: the
    probes' no-network baseline."""
    import torch

    g = torch.from_numpy(images.mean(-1).reshape(len(images), -1)).float()
    return g - g.mean(1, keepdim=True)


def stage_features(model, crops):
    """Global-average-pooled features of every backbone stage: a list of (N, C) tensors.
    ResNet (``res_layers``) or mmpretrain's Swin (``stages``; a stage that pretraining did not
    output has no ``norm{i}``: it is probed without one, as an identity)."""
    import torch

    from custom_modules.hooks import pooled_features

    backbone = model.backbone
    out_indices = backbone.out_indices
    stages = getattr(backbone, 'res_layers', None) or backbone.stages
    added = [f'norm{i}' for i in range(len(stages)) if hasattr(backbone, 'stages')
             and not hasattr(backbone, f'norm{i}')]  # fmt: skip
    for name in added:
        backbone.add_module(name, torch.nn.Identity())
    backbone.out_indices = tuple(range(len(stages)))
    try:
        return pooled_features(model, crops)
    finally:
        backbone.out_indices = out_indices
        for name in added:
            delattr(backbone, name)
