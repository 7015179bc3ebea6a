"""Per-epoch reseeding, so that an epoch's randomness does not depend on what ran before it."""

import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


class WorldSizeChangeError(RuntimeError):
    """``--resume`` on another number of processes than the checkpoint's run."""


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

    A resumed run is exact only on the number of processes it was made with: the iteration
    counter, the sampler's split of the data over the ranks and the batch each rank draws all
    depend on it. The number is kept in the message hub (saved in every checkpoint), and
    ``--resume`` with another number of processes is refused before training starts, saying how
    to go on (the same number, or ``load_from`` for the weights alone).

    Args:
        allow_world_size_change (bool): Resume on another number of processes anyway (the run
            then continues from the checkpoint's epoch, not as an uninterrupted run would).
            Defaults to False.
    """

    priority = 'HIGHEST'

    def __init__(self, allow_world_size_change: bool = False):
        self.allow_world_size_change = allow_world_size_change

    def before_train(self, runner) -> None:
        saved = runner.message_hub.get_info('world_size')
        if saved is not None and saved != runner.world_size and not self.allow_world_size_change:
            raise WorldSizeChangeError(
                f'{runner.work_dir}: the checkpoint being resumed was written by a run of {saved} '
                f'process(es), this one has {runner.world_size}. A resumed run continues exactly '
                f'only on the same number (the iteration count, the data each rank draws and '
                f'the batch per step depend on it): resume with `tools/dist_train.sh CONFIG '
                f'{saved} --resume`, or start a new run from its weights with '
                f'`--cfg-options load_from=CHECKPOINT` (no --resume), or set '
                f'default_hooks.epoch_seed.allow_world_size_change=True to go on anyway.'
            )
        runner.message_hub.update_info('world_size', runner.world_size)

    def before_train_epoch(self, runner) -> None:
        rank = get_rank() if runner._randomness_cfg.get('diff_rank_seed', False) else 0
        seed = epoch_seed(runner.seed, runner.epoch, rank)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)  # all CUDA devices too
