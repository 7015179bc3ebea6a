"""Loading checkpoints with ``torch.load(weights_only=True)`` and an explicit allow-list.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True`` and refuses any pickled
class it does not know. mmengine 0.10.7 stores a few of its own (the message hub's
``HistoryBuffer``) and NumPy scalars/arrays in ``meta`` and ``message_hub``, so resume,
``load_from`` and ``tools/test.py`` fail on mmengine's own checkpoints. Rather than turning
``weights_only`` off, which lets a checkpoint run arbitrary code, we allow exactly the
types mmengine writes and replace mmengine's local-file loader with one that says what to
do when a file holds anything else. Both are installed by ``custom_modules/patches.py``.
"""

import os.path as osp
import pickle
import re

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def _numpy_globals():
    """The NumPy callables and dtypes a pickled array or scalar refers to."""
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    dtypes = [
        type(np.dtype(t))
        for t in (
            np.float16,
            np.float32,
            np.float64,
            np.int8,
            np.int16,
            np.int32,
            np.int64,
            np.uint8,
            np.bool_,
        )
    ]
    return [_reconstruct, scalar, np.ndarray, np.dtype] + dtypes


def _history_buffer_getattr(obj, name):
    """Stands in for ``getattr`` while unpickling, for HistoryBuffer's statistics methods only.

    A pickled ``HistoryBuffer`` stores ``{'min': getattr(HistoryBuffer, 'min'), ...}``. Allowing
    the real ``getattr`` would let a checkpoint read any attribute of any allowed object;
    this answers exactly those lookups and refuses the rest.
    """
    if obj is HistoryBuffer and name in {'min', 'max', 'current', 'mean'}:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint (only HistoryBuffer '
        'statistics methods are)'
    )


# Everything an mmengine 0.10.7 checkpoint (mmdet or mmpretrain model) pickles besides
# tensors and builtins. tests/test_checkpoint.py saves real checkpoints and loads them.
SAFE_GLOBALS = [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr')] + _numpy_globals()


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds a pickled object outside the allow-list."""


def safe_torch_load(filename: str, map_location=None):
    """``torch.load(filename, weights_only=True)`` with the allow-list above.

    Raises:
        FileNotFoundError: naming the path.
        UnsafeCheckpointError: naming the file and the object refused, and how to proceed.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'checkpoint {filename} does not exist (set load_from, --resume, or the '
            f"backbone's init_cfg.checkpoint to an existing file)"
        )
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises UnpicklingError wrapped in various types
        if 'weights_only' not in str(e) and 'Unsupported global' not in str(e):
            raise
        found = re.search(r'(Unsupported global: GLOBAL \S+|Trying to \S+ [^.]+)', str(e))
        detail = found[1] if found else str(e).strip().splitlines()[-1]
        raise UnsafeCheckpointError(
            f'refused to load {filename}: it holds a pickled object that is not a tensor, a '
            f'builtin or one of the types mmengine stores, so loading it could run arbitrary '
            f'code. If you trust the file, load it once with torch.load(..., '
            f'weights_only=False) and save only its "state_dict" and "meta". '
            f'torch said: {detail[:300]}'
        ) from None


def load_from_local(filename, map_location):
    """:func:`safe_torch_load` as mmengine's loader of local paths (``CheckpointLoader`` scheme
    ``''``, installed by ``custom_modules/patches.py``)."""
    return safe_torch_load(filename, map_location)
