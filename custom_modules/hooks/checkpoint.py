"""A CheckpointHook that never leaves the work dir without a usable checkpoint."""

import glob
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from ..engine.atomic import atomic_write_text


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with the order of its writes made crash-safe.

    mmengine 0.10.7 deletes the oldest checkpoint (``max_keep_ckpts``) *before* saving the new
    one and then rewrites ``last_checkpoint`` in place. A process killed while saving with
    ``max_keep_ckpts=1`` is left with no checkpoint at all, and one killed while writing
    ``last_checkpoint`` with an empty pointer. Here the new checkpoint is written first
    (atomically: ``custom_modules.engine.atomic``), then ``last_checkpoint`` is replaced
    atomically, and only then is the oldest checkpoint removed. At every instant the work
    dir holds a complete checkpoint that ``last_checkpoint`` names (``--resume`` finds it).

    Before training, temporary files of saves that were interrupted
    (``.epoch_N.pth.<pid>.tmp``) are removed from the checkpoint folder.

    Args: as :class:`mmengine.hooks.CheckpointHook`.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if not is_main_process() or '://' in str(self.out_dir):
            return
        for tmp in glob.glob(osp.join(glob.escape(self.out_dir), '.*.pth.*.tmp')):
            os.remove(tmp)
            print_log(f'removed {tmp}, left by an interrupted checkpoint save', logger='current')

    def _save_checkpoint_with_step(self, runner, step, meta):
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        stale = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            # _save_checkpoint and _save_best_checkpoint may both save one step
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args,
        )
        if not is_main_process():
            return
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if stale is not None:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(stale))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # deepspeed saves folders
                self.file_backend.rmtree(path)
