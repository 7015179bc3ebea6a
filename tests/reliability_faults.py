"""Faults injected into real training processes by the reliability tests.

A test writes a config that inherits a tiny config, adds ``'reliability_faults'`` to
``custom_imports`` and one of these hooks to ``custom_hooks``; ``tools/train.py`` then runs
it like any other config. Nothing here is used outside the tests.
"""

import errno
import io
import json
import os
import signal

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module(force=True)
class KillAtIterHook(Hook):
    """SIGKILL this process after iteration ``at_iter`` (1-based) has updated the weights
    and been logged; with ``rank``, only the process of that rank."""

    priority = 'LOWEST'

    def __init__(self, at_iter: int, rank=None):
        self.at_iter, self.rank = at_iter, rank

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.at_iter and self.rank in (None, runner.rank):
            _die()


class _BrokenSaveHook(Hook):
    """Make ``torch.save`` of the epoch-``at_epoch`` checkpoint write the first half of its
    bytes, then call ``self.fail(file)``."""

    def __init__(self, at_epoch: int):
        self.at_epoch = at_epoch

    def before_save_checkpoint(self, runner, checkpoint):
        if checkpoint['meta'].get('epoch') != self.at_epoch:
            return
        real_save = torch.save

        def half_save(obj, f, *args, **kwargs):
            buf = io.BytesIO()
            real_save(obj, buf, *args, **kwargs)
            f.write(buf.getvalue()[: len(buf.getvalue()) // 2])
            self.fail(f)

        torch.save = half_save


@HOOKS.register_module(force=True)
class KillDuringSaveHook(_BrokenSaveHook):
    """SIGKILL this process half-way through writing the checkpoint of epoch ``at_epoch``."""

    def fail(self, f):
        f.flush()
        os.fsync(f.fileno())
        _die()


@HOOKS.register_module(force=True)
class DiskFullDuringSaveHook(_BrokenSaveHook):
    """Make the checkpoint save of epoch ``at_epoch`` fail as on a full disk: half the bytes
    written, then ``OSError(ENOSPC)``."""

    def fail(self, f):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@HOOKS.register_module(force=True)
class NaNLossHook(Hook):
    """Make loss term ``term`` NaN (or Inf) at the given 1-based iterations."""

    priority = 'LOWEST'

    def __init__(self, iters, term: str, value: float = float('nan')):
        self.iters, self.term, self.value = set(iters), term, value

    def before_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        loss = model.loss

        def poisoned_loss(*args, **kwargs):
            losses = loss(*args, **kwargs)
            if runner.iter + 1 in self.iters:
                v = losses[self.term]
                losses[self.term] = (
                    [x * self.value for x in v] if isinstance(v, list) else v * self.value
                )
            return losses

        model.loss = poisoned_loss


@HOOKS.register_module(force=True)
class BoxAuditHook(Hook):
    """Write every ground-truth box fed to the model, with its image's size and file, to
    ``out`` (JSON lines), so that the test can check each one is inside its image."""

    def __init__(self, out: str):
        self.out = out

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        with open(self.out, 'a') as f:
            for s in data_batch['data_samples']:
                h, w = s.metainfo['img_shape'][:2]
                boxes = s.gt_instances.bboxes
                boxes = getattr(boxes, 'tensor', boxes).tolist()  # mmdet's HorizontalBoxes
                f.write(json.dumps(dict(path=s.metainfo['img_path'], h=h, w=w, boxes=boxes)))
                f.write('\n')
