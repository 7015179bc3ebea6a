"""Atomic checkpoint files: written to a temporary file in the same folder, then renamed.

mmengine 0.10.7 writes a checkpoint straight to ``epoch_N.pth`` (``LocalBackend.put``), so a
process killed during the write leaves a truncated file under the final name. Here a local
checkpoint goes to ``.epoch_N.pth.<pid>.tmp``, is flushed and fsynced, and only then
``os.replace``-d onto its name (atomic on POSIX and Windows): a reader sees the old file or
the whole new one, never a part. ``custom_modules/patches.py`` installs :func:`save_checkpoint`
in place of mmengine's, so ``Runner.save_checkpoint`` (every ``epoch_N.pth``, ``iter_N.pth`` and
``best_*.pth``) writes atomically for every config that loads ``custom_modules``.
"""

import os
import os.path as osp

import mmengine.runner.checkpoint as mm_checkpoint
import torch


def _fsync_dir(path: str) -> None:
    """Make a rename in ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str, write) -> None:
    """Write a file atomically: ``write(f)`` fills a temporary file, which then replaces ``path``.

    Args:
        path (str): The final file name.
        write (callable): Called with a binary file object open for writing.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}.{os.getpid()}.tmp')
    try:
        with open(tmp, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(folder)


def atomic_write_text(path: str, text: str) -> None:
    """:func:`atomic_write` for a small text file (``last_checkpoint``)."""
    atomic_write(path, lambda f: f.write(text.encode()))


# mmengine's own save_checkpoint: patches.py keeps it here as it installs ours in its place (this
# module does not load patches.py, which loads it)
UPSTREAM_SAVE = mm_checkpoint.save_checkpoint


def save_checkpoint(checkpoint, filename, file_client_args=None, backend_args=None):
    """mmengine's ``save_checkpoint``, atomic for local paths; other backends (``s3://``,
    ``pavi://``, ...) go to mmengine's own function unchanged."""
    if '://' in str(filename) or file_client_args is not None or backend_args is not None:
        return UPSTREAM_SAVE(checkpoint, filename, file_client_args, backend_args)
    atomic_write(str(filename), lambda f: torch.save(checkpoint, f))
