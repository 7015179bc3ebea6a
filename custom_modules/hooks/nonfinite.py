"""Stop (or skip a bounded number of steps) when a loss becomes NaN or Inf."""

import torch
import torch.distributed as torch_dist
from mmengine.dist import is_distributed
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ..patches import wrap_method


class NonFiniteLossError(FloatingPointError):
    """A training loss became NaN or Inf; the message names the iteration and the terms."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Check every logged loss term before the optimizer step; stop on NaN/Inf.

    The check sits between the model's ``parse_losses`` and ``optim_wrapper.update_params``,
    so a bad step never reaches ``backward``/``step``: the weights stay those of the last good
    step, and the run stops with :class:`NonFiniteLossError` before any checkpoint of the
    bad state can be written (the last checkpoint on disk stays the last good one).
    With ``max_skips=K`` the first K bad steps are skipped instead (no backward, no optimizer
    update; a warning names each), and the (K+1)-th stops the run. Under DDP the decision is
    all-reduced, so every rank skips or stops together.

    Args:
        max_skips (int): How many bad steps to skip over the whole run before stopping.
            Defaults to 0: stop at the first.
    """

    priority = 'VERY_HIGH'

    def __init__(self, max_skips: int = 0):
        if max_skips < 0:
            raise ValueError(f'max_skips must be >= 0, got {max_skips}')
        self.max_skips = max_skips
        self.skipped = []  # iterations (1-based) skipped so far
        self._bad = {}

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        optim_wrapper = runner.optim_wrapper

        def check_losses(parse_losses):
            def checked_parse_losses(losses):
                loss, log_vars = parse_losses(losses)
                items = [
                    (k, v) for k, v in log_vars.items() if torch.is_tensor(v) and v.numel() == 1
                ]
                finite = torch.stack(
                    [v.detach().float().reshape(()) for _, v in items] or [loss.new_zeros(())]
                )
                self._bad = {
                    k: float(v) for (k, v), ok in zip(items, finite.isfinite().tolist()) if not ok
                }
                if not torch.isfinite(loss.detach()).all():
                    self._bad.setdefault('loss', float(loss.detach().float().sum()))
                return loss, log_vars

            return checked_parse_losses

        def check_step(update_params):
            def checked_update_params(loss, *args, **kwargs):
                bad = torch.tensor(float(bool(self._bad)), device=loss.device)
                if is_distributed():
                    torch_dist.all_reduce(bad, op=torch_dist.ReduceOp.MAX)
                if not bad.item():
                    return update_params(loss, *args, **kwargs)
                it = runner.iter + 1
                terms = ', '.join(f'{k}={v}' for k, v in self._bad.items()) or 'on another rank'
                where = f'iteration {it} (epoch {runner.epoch + 1})'
                if len(self.skipped) < self.max_skips:
                    self.skipped.append(it)
                    print_log(
                        f'non-finite loss at {where}: {terms}; step skipped, no optimizer update '
                        f'({len(self.skipped)} of max_skips={self.max_skips})',
                        logger='current',
                        level=30,
                    )
                    optim_wrapper.zero_grad()
                    return None
                raise NonFiniteLossError(
                    f'non-finite loss at {where}: {terms}. Training stopped before the optimizer '
                    f'step; the last checkpoint in {runner.work_dir} is the last good state'
                    + (f' (steps skipped before: {self.skipped})' if self.skipped else '')
                    + '. Lower the learning rate or check the data of this iteration; '
                    'default_hooks.nonfinite.max_skips=K skips up to K bad steps.'
                )

            return checked_update_params

        wrap_method(model, 'parse_losses', check_losses)  # once per object: see patches.py
        wrap_method(optim_wrapper, 'update_params', check_step)
