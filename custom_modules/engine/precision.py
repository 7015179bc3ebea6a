"""Which precision a module runs in under bf16 autocast, declared where the module is written.

A module class says it with the class attribute ``autocast_precision`` (subclasses inherit it):

* ``'fp32'``: the module runs in fp32, autocast off, its bf16/fp16 inputs cast to fp32, and
  gives fp32 outputs: losses, and the SSL projectors, whose outputs are normalised over the
  batch, where bf16 rounding (relative to the embedding, not to its small spread over the batch
  at initialisation) would swamp the signal (the first gradient's cosine to fp32's drops from
  0.99 to 0.95 at batch 16);
* ``'fp32_op'``: fp32 on contiguous inputs, the output cast back to the input's dtype (mmcv ops
  without bf16 kernels, which also read channels_last input wrongly);
* ``'fp32_output'``: autocast inside, outputs cast to fp32 (detection heads, whose outputs feed
  anchors, box decoding, NMS and the losses: bf16 boxes would be off by up to 4 px at 1333 px);
* ``'autocast'``: autocast decides (a head whose ``loss`` is decorated with :func:`fp32`, say).

Upstream classes, which cannot say it where they are written, are declared in ``UPSTREAM`` by
class name (subclasses included); a module class whose name ends with ``Loss`` and that says
nothing is ``'fp32'``. Every neck, head, loss and projector of this package declares its own
(``tests/test_bf16.py``): a new projector that forgot would otherwise run in bf16 silently.
"""

import contextlib
import functools
from typing import Optional

import torch

PRECISIONS = ('fp32', 'fp32_op', 'fp32_output', 'autocast')
UPSTREAM = {
    'NonLinearNeck': 'fp32',  # mmpretrain's SSL projector (Barlow Twins, and others)
    'RoIAlign': 'fp32_op',  # mmcv
    'RoIPool': 'fp32_op',
    'BaseDenseHead': 'fp32_output',  # mmdet: where mmdet 2.x's force_fp32 was
    'BBoxHead': 'fp32_output',
    'FCNMaskHead': 'fp32_output',
}
_DEVICE_TYPES = ('cpu', 'cuda')
_LOW = (torch.bfloat16, torch.float16)


def declared_precision(cls: type, implicit: bool = True) -> Optional[str]:
    """The precision a module class declares (its own ``autocast_precision`` or an ancestor's,
    the nearest first) or, with ``implicit``, that ``UPSTREAM`` or a ``...Loss`` name gives it;
    None when nothing does (autocast decides)."""
    for c in cls.__mro__:
        declared = c.__dict__.get('autocast_precision')
        if declared is not None:
            if declared not in PRECISIONS:
                raise ValueError(f'{c.__name__}.autocast_precision={declared!r}: not one of '
                                 f'{PRECISIONS}')  # fmt: skip
            return declared
        if implicit and c.__name__ in UPSTREAM:
            return UPSTREAM[c.__name__]
    return 'fp32' if implicit and cls.__name__.endswith('Loss') else None


def autocast_off() -> contextlib.ExitStack:
    """A context that disables every autocast currently on."""
    stack = contextlib.ExitStack()
    for device_type in _DEVICE_TYPES:
        if torch.is_autocast_enabled(device_type):
            stack.enter_context(torch.autocast(device_type, enabled=False))
    return stack


def cast(obj, dtype=torch.float32, contiguous=False):
    """``obj`` with its floating tensors (also inside lists, tuples, dicts) cast to ``dtype``;
    towards fp32 only bf16/fp16 tensors are cast (fp64 stays fp64)."""
    if isinstance(obj, torch.Tensor):
        if obj.is_floating_point():
            if dtype != torch.float32 or obj.dtype in _LOW:
                obj = obj.to(dtype)
            return obj.contiguous() if contiguous else obj
        return obj
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        return type(obj)(cast(o, dtype, contiguous) for o in obj)
    if isinstance(obj, dict):
        return {k: cast(v, dtype, contiguous) for k, v in obj.items()}
    return obj


def fp32(fn):
    """Decorator: run ``fn`` in fp32 under any autocast (bf16/fp16 tensor arguments cast to
    float32, autocast disabled; fp64 stays fp64). Used for losses, which must not be
    computed in bf16."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with autocast_off():
            return fn(*cast(args), **cast(kwargs))

    return wrapper
