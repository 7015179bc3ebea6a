"""``Pretrained`` initialisation that refuses a checkpoint which does not fit the module.

mmengine's ``PretrainedInit`` loads with ``strict=False``: a checkpoint whose keys match
nothing (another architecture, a missing ``prefix='backbone.'``) loads nothing, silently, and
the model trains from random weights under a "pretrained" name. Registered under the same
name by ``custom_modules/patches.py``, this version counts the share of the module's
parameters that the checkpoint provides (same name, same shape) and stops when it is below
``min_loaded``.
"""

from typing import Optional

from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit
from mmengine.runner.checkpoint import _load_checkpoint, load_state_dict


class CheckpointMismatchError(RuntimeError):
    """A pretrained checkpoint provides too few of a module's parameters."""


def fit_report(module, state: dict):
    """How well ``state`` fits ``module``.

    Returns:
        tuple: (share of parameter values provided, missing keys, unexpected keys,
        shape mismatches as ``(key, checkpoint shape, module shape)``).
    """
    own = dict(module.named_parameters())
    buffers = {k for k, _ in module.named_buffers()}
    total = sum(p.numel() for p in own.values()) or 1
    matched = sum(
        p.numel() for k, p in own.items() if k in state and tuple(state[k].shape) == tuple(p.shape)
    )
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own and k not in buffers]
    shapes = [
        (k, tuple(state[k].shape), tuple(p.shape))
        for k, p in own.items()
        if k in state and tuple(state[k].shape) != tuple(p.shape)
    ]
    return matched / total, missing, unexpected, shapes


class CheckedPretrainedInit(PretrainedInit):
    """Load a checkpoint into a module and refuse it when it does not fit.

    Args:
        checkpoint (str): Path (or URL) of the checkpoint.
        prefix (str, optional): Take only keys starting with it, stripped (e.g.
            ``'backbone.'`` for a full SSL or detector checkpoint).
        map_location (str): Where to load tensors. Defaults to ``'cpu'``.
        min_loaded (float): Smallest share (0-1) of the module's parameter values that must
            come from the checkpoint; 0 switches the check off. Defaults to 0.95.
    """

    def __init__(
        self,
        checkpoint: str,
        prefix: Optional[str] = None,
        map_location: str = 'cpu',
        min_loaded: float = 0.95,
    ):
        super().__init__(checkpoint, prefix=prefix, map_location=map_location)
        self.min_loaded = min_loaded

    def __call__(self, module):
        ckpt = _load_checkpoint(self.checkpoint, map_location=self.map_location, logger='current')
        state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
        state = {k[7:] if k.startswith('module.') else k: v for k, v in state.items()}
        if self.prefix:
            state = {
                k[len(self.prefix) :]: v for k, v in state.items() if k.startswith(self.prefix)
            }
        share, missing, unexpected, shapes = fit_report(module, state)
        if share < self.min_loaded:
            raise CheckpointMismatchError(self._explain(module, share, missing, unexpected, shapes))
        print_log(
            f'{type(module).__name__}: {share:.1%} of parameters loaded from '
            f'{self.checkpoint}' + (f' (prefix {self.prefix!r})' if self.prefix else ''),
            logger='current',
        )
        load_state_dict(module, state, strict=False, logger='current')

    def _explain(self, module, share, missing, unexpected, shapes) -> str:
        def few(items):
            items = list(items)
            return ', '.join(map(str, items[:8])) + (
                f' ... ({len(items)} in all)' if len(items) > 8 else ''
            )

        hint = []
        stripped = {k.split('.', 1)[1] for k in unexpected if '.' in k}
        if stripped & set(missing):
            hint.append(
                "the keys carry an extra prefix: set prefix='backbone.' in init_cfg, "
                'or write a backbone-only file with tools/extract_backbone.py'
            )
        if shapes:
            hint.append('some shapes differ: the checkpoint is of another width or depth')
        hint.append(
            'if this is intended, set init_cfg.min_loaded=0 (e.g. --cfg-options '
            'model.backbone.init_cfg.min_loaded=0)'
        )
        return (
            f'{self.checkpoint} provides only {share:.1%} of the parameters of '
            f'{type(module).__name__} (init_cfg.min_loaded={self.min_loaded}'
            + (f', prefix={self.prefix!r}' if self.prefix else '')
            + ').\n'
            f'  missing from the checkpoint: {few(missing) or "none"}\n'
            f'  in the checkpoint but not in the model: {few(unexpected) or "none"}\n'
            f'  shape mismatches (key, checkpoint, model): {few(shapes) or "none"}\n'
            f'  how to fix: ' + '; '.join(hint)
        )
