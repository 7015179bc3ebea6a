"""Image files under a folder, in one stable order: the unlabeled dataset's index.

The order, the same on every machine and file system: a depth-first walk in which each folder's
entries are sorted by name, numbers in numeric order first (``2`` before ``10``), other names
after them in code-point order; a file sorts by its stem. A flat folder of ``<id>.PNG`` files is
therefore read in id order, and ``train/n01440764/*.JPEG`` folder by folder.
"""

import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .image_io import IMAGE_EXTENSIONS


def sort_key(stem: str):
    """Numeric ids in numeric order, other names after them, alphabetically."""
    return (0, int(stem), '') if stem.isdigit() else (1, 0, stem)


def scan_dir(path: str, extensions: Sequence[str]) -> Dict[str, str]:
    """Map each file's stem to its name, for files in ``path`` (not below it) with one of
    ``extensions`` (lower case; a name matches in any case).

    ``os.scandir`` reads names without a ``stat`` per file, which keeps a 512K-file folder
    to seconds. Of two files with one stem (``1.png``, ``1.PNG``) one is kept:
    ``find_duplicates`` names them.
    """
    out = {}
    with os.scandir(path) as it:
        for entry in it:
            name = entry.name
            dot = name.rfind('.')
            if dot > 0 and name[dot:].lower() in extensions:
                out[name[:dot]] = name
    return out


def _walk(folder: str, rel: str, exts: Tuple[str, ...], seen: set, out: List[str],
          files_seen: List[Tuple[str, List[str]]]):  # fmt: skip
    real = osp.realpath(folder)
    if real in seen:  # a symbolic link back up the tree: each folder once
        return
    seen.add(real)
    files, dirs = {}, []
    with os.scandir(folder) as it:
        for entry in it:
            name = entry.name
            dot = name.rfind('.')
            if dot > 0 and name[dot:].lower() in exts:
                files.setdefault(name[:dot], []).append(name)
            elif not name.startswith('.') and entry.is_dir():  # follows symbolic links
                dirs.append(name)
    entries = [(sort_key(stem), 0, stem) for stem in files]
    entries += [(sort_key(d), 1, d) for d in dirs]
    for _, is_dir, name in sorted(entries):
        if is_dir:
            _walk(osp.join(folder, name), f'{rel}{name}/', exts, seen, out, files_seen)
        else:
            group = sorted(files[name])
            out.append(rel + group[-1])  # of 1.PNG and 1.png: the last in sorted order
            if len(group) > 1:
                files_seen.append((rel, group))


def list_images(folder: str, extensions: Sequence[str] = IMAGE_EXTENSIONS,
                with_duplicates: bool = False):  # fmt: skip
    """Every image file under ``folder``, as paths relative to it, in the module's order.

    Sub-folders are followed (symbolic links too, each real folder once); folders whose name
    starts with a dot are not. A file is taken when its extension is one of ``extensions`` in
    any case (``.JPEG``, ``.jpg``, ``.Png``); of several files with one stem in one folder
    (``1.png``, ``1.PNG``) one is taken.

    Args:
        folder (str): The root of the tree.
        extensions (Sequence[str]): File extensions with their dot, any case.
        with_duplicates (bool): Also return the files left out for sharing a stem.

    Returns:
        np.ndarray: relative paths (``/``-separated) as bytes, one compact array (a 512K-file
        index costs a few MB per dataloader worker); with ``with_duplicates``, also a list of
        ``(folder relative path, [names sharing a stem])``.
    """
    exts = tuple(e.lower() for e in extensions)
    out, dups = [], []
    _walk(folder, '', exts, set(), out, dups)
    names = np.array([n.encode() for n in out], dtype=bytes)
    return (names, dups) if with_duplicates else names


def read_list_file(path: str) -> np.ndarray:
    """Image paths from a text file, one per line (relative to the image folder), in the file's
    order; blank lines and lines starting with ``#`` are skipped."""
    with open(path, encoding='utf-8') as f:
        lines = [ln.strip() for ln in f]
    return np.array([ln.encode() for ln in lines if ln and not ln.startswith('#')], dtype=bytes)
