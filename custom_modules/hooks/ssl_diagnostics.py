"""Logs the cross-correlation diagnostics of the current batch during SSL training."""

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ..models.diagnostics import correlation_stats, cross_correlation


@HOOKS.register_module()
class SSLDiagnosticsHook(Hook):
    """Every ``interval`` iterations, embed the batch's two views (no gradient, eval mode)
    and log ``cc_diag`` (mean diagonal of the normalised cross-correlation), ``cc_offdiag``
    (mean |off-diagonal|), ``cc_diag_gt_0.9`` and ``eff_rank`` (RankMe) as ``train/*``
    scalars, so they reach the log and TensorBoard with the losses. Collapse shows as an
    effective rank near 1; stagnation as a flat diagonal.

    Works for any mmpretrain two-view model with ``backbone`` and ``neck`` (Barlow Twins,
    VICReg). Under DDP each process reports its own batch.

    Args:
        interval (int): Iterations between two measurements.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 50):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if data_batch is None or not self.every_n_train_iters(runner, self.interval):
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                data = model.data_preprocessor(data_batch, False)
                z1, z2 = (model.neck(model.backbone(v))[0].float() for v in data['inputs'][:2])
        finally:
            model.train(was_training)
        stats = correlation_stats(cross_correlation(z1, z2), torch.cat([z1, z2]))
        names = dict(
            mean_diagonal='cc_diag',
            mean_abs_off_diagonal='cc_offdiag',
            diagonal_above_0_9='cc_diag_gt_0.9',
            effective_rank='eff_rank',
        )
        for key, value in stats.items():
            runner.message_hub.update_scalar(f'train/{names[key]}', value)
