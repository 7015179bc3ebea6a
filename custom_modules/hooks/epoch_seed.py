"""Per-epoch reseeding, so that an epoch's randomness does not depend on what ran before it."""

import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
    """A 32-bit seed for one epoch (of one rank), from the run's seed."""
    return int(np.random.SeedSequence([seed, epoch, rank]).generate_state(1)[0])


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Reseed Python, NumPy and torch (CPU and CUDA) at the start of every training epoch.

    mmengine seeds once, when the runner is built, and a resumed run starts its RNGs from that
    seed again rather than from where the interrupted run was: augmentations, RPN/RoI
    sampling and the dataloader workers' base seed then differ from an uninterrupted run.
    Seeding each epoch with ``epoch_seed(runner.seed, epoch)`` makes epoch *e* draw the same
    numbers whether the run started at epoch 0 or resumed at *e*, and makes hooks that draw
    random numbers before training (e.g. a probe at ``before_train``) harmless.

    With ``num_workers > 0`` this covers the workers too when they are re-created every epoch
    (``persistent_workers=False``: mmengine's ``worker_init_fn`` seeds them from the run's
    seed); persistent workers carry their RNG state across epochs, which a resumed run cannot
    reproduce.
    """

    priority = 'HIGHEST'

    def before_train_epoch(self, runner) -> None:
        rank = get_rank() if runner._randomness_cfg.get('diff_rank_seed', False) else 0
        seed = epoch_seed(runner.seed, runner.epoch, rank)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)  # all CUDA devices too
