"""One training step of a config, timed: its model, a batch from its own train pipeline, and
the optimiser wrapper of a precision mode (``benchmarks/bench_train_step.py`` and
``tools/gpu_check.py``).

Modes: ``'fp32'`` (mmengine's ``OptimWrapper``), ``'bf16'`` (``BF16OptimWrapper`` without
channels_last) and ``'bf16+cl'`` (``BF16OptimWrapper`` with its default channels_last, the
project's bf16 training).
"""

import copy
import time
from typing import Optional

MODES = ('fp32', 'bf16', 'bf16+cl')


def build_step(cfg, data_root: str, batch_size: Optional[int] = None):
    """The model of ``cfg`` (as the Runner builds it, not initialised from checkpoints) and one
    collated batch of ``batch_size`` samples made by its train pipeline from ``data_root``.

    Args:
        cfg (mmengine.Config): A full config; not changed.
        data_root (str): The data the batch is made from (NYU layout).
        batch_size (int, optional): Samples in the batch (default: the train dataloader's).

    Returns:
        tuple: (model on the CPU in training mode, batch as the dataloader hands it over).
    """
    import torch

    from .models import build_batches, build_model

    torch.manual_seed(0)
    model = build_model(cfg)
    (batch,) = build_batches(cfg, data_root, batch_size)
    return model, batch


def optim_wrapper(model, optim_cfg, mode: str):
    """The optimiser wrapper of ``optim_cfg`` (the config's ``optim_wrapper``) in ``mode``,
    whatever precision settings the config chose; bf16 is switched on even where the device
    only emulates it.

    Args:
        model (torch.nn.Module): The model (already on its device).
        optim_cfg (dict): The config's ``optim_wrapper``; not changed.
        mode (str): One of ``MODES``.

    Returns:
        mmengine.optim.OptimWrapper: The wrapper.
    """
    from mmengine.optim import build_optim_wrapper

    if mode not in MODES:
        raise ValueError(f'mode {mode!r} is not one of {MODES}')
    optim_cfg = copy.deepcopy(optim_cfg)
    for key in ('channels_last', 'enabled'):
        optim_cfg.pop(key, None)  # whatever the config chose: the mode sets it
    optim_cfg.type = 'OptimWrapper' if mode == 'fp32' else 'BF16OptimWrapper'
    if mode != 'fp32':
        optim_cfg.channels_last = mode == 'bf16+cl'
        optim_cfg.enabled = True
    return build_optim_wrapper(model, optim_cfg)


def timed_step(model, batch: dict, wrapper, device: str = 'cpu'):
    """One ``model.train_step`` (preprocessing, forward, backward, optimiser step), timed;
    on CUDA the device is synchronised before and after.

    Returns:
        tuple: (wall seconds, process CPU seconds, the step's log dict of losses).
    """
    import torch

    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    sync()
    t, c = time.perf_counter(), time.process_time()
    log = model.train_step(copy.copy(batch), wrapper)
    sync()
    return time.perf_counter() - t, time.process_time() - c, log
