"""Projector outputs of augmented positive pairs, and their cross-correlation diagnostics."""

import random

import numpy as np
import torch

from custom_modules.progress import progress

from .models import build_model


def embed_pairs(cfg, checkpoint: str, num: int, seed: int = 0):
    """Projector outputs of both views of ``num`` training images.

    Args:
        cfg (mmengine.Config): An SSL config: its training dataset makes the two views.
        checkpoint (str): The SSL checkpoint whose backbone and neck embed them (eval mode).
        num (int): Images (at most the dataset's size), drawn without replacement by ``seed``.
        seed (int): Seeds the draw and the augmentations.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``(z1, z2)``, each (N, D).
    """
    from mmengine.dataset import default_collate
    from mmengine.registry import DATASETS, init_default_scope

    import custom_modules  # noqa: F401  (registers the project's classes)

    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(dataset), size=min(num, len(dataset)), replace=False)
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    batch = default_collate([dataset[int(i)] for i in progress(idx, 'views', unit='image')])
    model = build_model(cfg, checkpoint).eval()
    with torch.no_grad():
        views = model.data_preprocessor(batch, False)['inputs']
        z1, z2 = (model.neck(model.backbone(v))[0] for v in views[:2])
    return z1, z2


def measure(cfg, checkpoint: str, num: int, seed: int = 0):
    """The cross-correlation of up to ``num`` embedded positive pairs and its numbers.

    Args:
        cfg, checkpoint, num, seed: As ``embed_pairs``.

    Returns:
        tuple: ``(C, stats, pairs)``: the (D, D) cross-correlation matrix of the standardised
        embeddings, ``custom_modules.models.diagnostics.correlation_stats``'s dict (mean diagonal,
        mean |off-diagonal|, share of the diagonal above 0.9, effective rank) and the number of
        pairs.
    """
    from custom_modules.models.diagnostics import correlation_stats, cross_correlation

    z1, z2 = embed_pairs(cfg, checkpoint, num, seed)
    c = cross_correlation(z1, z2)
    return c, correlation_stats(c, torch.cat([z1, z2])), len(z1)
