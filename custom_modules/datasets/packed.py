"""A packed, already-decoded copy of an image folder, so that training reads pixels instead of
decoding PNGs (``tools/pack_unlabeled.py`` writes it, ``PackedUnlabeledImageDataset`` reads it).

The format, two files:

* ``PACK`` (by default ``<data_root>/unlabeled.packed``): every image's 8-bit BGR pixels, row
  by row (``H*W*3`` bytes, the array ``read_image`` returns), concatenated in the index's order
  with no header, ``np.memmap(PACK, np.uint8, mode='r')``;
* ``PACK.idx.npz``: ``version``; ``names`` (the file names, bytes, in the dataset's order);
  ``offsets`` (int64, N + 1: image ``i`` is ``pixels[offsets[i]:offsets[i + 1]]``); ``heights``,
  ``widths`` (int32; 0 for a file that did not decode, which the dataset skips as
  ``LoadImageChecked(on_error='skip')`` does); ``file_sizes``, ``mtimes_ns`` (int64, of each
  source file when it was packed: a changed file makes the pack stale); ``max_side`` (0: full
  size, lossless; N: images whose longer side was over N were shrunk to N by OpenCV's area
  filter); ``pixel_bytes`` (the size of ``PACK``, so a truncated or mismatched pair is refused).

Full-size images cost ``H*W*3`` bytes each on disk (a 500x375 photo 549 KiB, about twice its
PNG), e.g. ~290 GB for 512K images of that size.
"""

import os
import os.path as osp
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..engine.atomic import atomic_write
from ..progress import progress
from .image_io import ImageReadError, read_image

PACK_VERSION = 1


def index_path(pack: str) -> str:
    """The index file of the pack ``pack``."""
    return pack + '.idx.npz'


def file_stats(img_dir: str, names: Sequence) -> Tuple[np.ndarray, np.ndarray]:
    """(sizes, mtimes in ns), int64, of the files ``names`` (str or bytes) in ``img_dir``; -1
    for a file that is gone. One ``stat`` per file (about a second for 512K local files)."""
    sizes = np.full(len(names), -1, np.int64)
    mtimes = np.full(len(names), -1, np.int64)
    for i, name in enumerate(names):
        try:
            st = os.stat(osp.join(img_dir, name.decode() if isinstance(name, bytes) else name))
        except OSError:
            continue
        sizes[i], mtimes[i] = st.st_size, st.st_mtime_ns
    return sizes, mtimes


def shrink(img: np.ndarray, max_side: int) -> np.ndarray:
    """``img`` with its longer side shrunk to ``max_side`` (OpenCV's area filter, the aspect
    ratio kept), or ``img`` itself when it is not longer."""
    h, w = img.shape[:2]
    if max(h, w) <= max_side:
        return img
    s = max_side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def decode_for_pack(job: Tuple[str, int]):
    """Decode one image for the pack.

    Args:
        job (tuple): ``(path, max_side)``, ``max_side`` 0 for full size.

    Returns:
        tuple[np.ndarray | None, list[str], str | None]: The (H, W, 3) uint8 BGR pixels
        (``read_image`` with libspng for 8-bit RGB PNGs, as ``LoadImageChecked(png_decoder=
        'spng')``), shrunk when asked; its conversion notes; the error when it does not decode.
    """
    path, max_side = job
    try:
        img, notes = read_image(path, png_decoder='spng')
    except ImageReadError as e:
        return None, [], str(e)
    return (shrink(img, max_side) if max_side else img), notes, None


def _in_order(fn, jobs: list, workers: int) -> Iterator:
    """``fn`` of every job, in order, over ``workers`` processes with a bounded number of
    chunks in flight (decoded images never pile up in memory behind a slow disk)."""
    if workers <= 1:
        yield from map(fn, jobs)
        return
    chunk = max(1, min(64, len(jobs) // (workers * 16)))
    starts = iter(range(0, len(jobs), chunk))
    with ProcessPoolExecutor(workers) as pool:
        pending = deque()
        for start in starts:
            pending.append(pool.submit(_run_chunk, fn, jobs[start : start + chunk]))
            if len(pending) >= 4 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _run_chunk(fn, jobs: list) -> list:
    return [fn(j) for j in jobs]


def write_pack(
    img_dir: str, names: Sequence[str], pack: str, max_side: int = 0, workers: int = 2
) -> dict:
    """Decode the images ``names`` of ``img_dir`` once, in that order, into the pack ``pack``
    (pixels, then its index, each written atomically; the old index is removed first).

    Args:
        img_dir (str): The image folder.
        names (Sequence[str]): File names in it, in the dataset's order.
        pack (str): The pixel file; the index goes to ``index_path(pack)``.
        max_side (int): 0 to keep every image as it decodes (lossless), else shrink those
            with a longer side over ``max_side`` (lossy).
        workers (int): Processes decoding (1: this one).

    Returns:
        dict: ``images``, ``pixel_bytes``, ``source_bytes`` (the files'), ``bad`` (list of
        error messages), ``converted`` (how many images had a mode converted).
    """
    names = [n.decode() if isinstance(n, bytes) else n for n in names]
    sizes, mtimes = file_stats(img_dir, names)  # before decoding: a later change is seen
    n = len(names)
    offsets = np.zeros(n + 1, np.int64)
    heights, widths = np.zeros(n, np.int32), np.zeros(n, np.int32)
    report = dict(images=n, bad=[], converted=0, source_bytes=int(sizes[sizes > 0].sum()))
    jobs = [(osp.join(img_dir, name), int(max_side or 0)) for name in names]
    if osp.exists(index_path(pack)):
        os.remove(index_path(pack))

    def write_pixels(f):
        results = _in_order(decode_for_pack, jobs, workers)
        for i, (img, notes, error) in enumerate(
            progress(results, f'packing {img_dir}', n, 'image')
        ):
            if error:
                report['bad'].append(error)
            else:
                heights[i], widths[i] = img.shape[:2]
                f.write(np.ascontiguousarray(img).data)
            report['converted'] += bool(notes)
            offsets[i + 1] = offsets[i] + int(heights[i]) * int(widths[i]) * 3

    atomic_write(pack, write_pixels)
    report['pixel_bytes'] = int(offsets[-1])
    encoded = np.array([s.encode() for s in names], dtype=bytes)
    index = dict(version=np.int64(PACK_VERSION), names=encoded, offsets=offsets,
                 heights=heights, widths=widths, file_sizes=sizes, mtimes_ns=mtimes,
                 max_side=np.int64(max_side or 0), pixel_bytes=np.int64(offsets[-1]))  # fmt: skip
    atomic_write(index_path(pack), lambda f: np.savez(f, **index))
    return report


class PackError(RuntimeError):
    """A pack that is missing, incomplete or stale; the message says how to make it again."""


class PackedImages:
    """The images of a pack, read from a memory map opened on first use in each process (a
    dataloader worker maps the file, nothing is copied but the images it reads; pickling, as
    spawned workers do, leaves the map behind).

    Args:
        pack (str): The pixel file (its index beside it, :func:`index_path`).

    Raises:
        PackError: No index, another format version, or a pixel file of the wrong size.
    """

    def __init__(self, pack: str):
        self.pack = pack
        if not osp.exists(index_path(pack)):
            raise PackError(f'no packed images at {pack} (no {index_path(pack)})')
        with np.load(index_path(pack)) as idx:
            self.version = int(idx['version'])
            if self.version != PACK_VERSION:
                raise PackError(f'{pack} is format version {self.version}, not {PACK_VERSION}')
            self.names = idx['names']
            self.starts = idx['offsets'][:-1]  # image i: starts[i], heights[i] * widths[i] * 3
            self.heights, self.widths = idx['heights'], idx['widths']
            self.file_sizes, self.mtimes_ns = idx['file_sizes'], idx['mtimes_ns']
            self.max_side, pixel_bytes = int(idx['max_side']), int(idx['pixel_bytes'])
        size = osp.getsize(pack) if osp.exists(pack) else None
        if size != pixel_bytes:
            raise PackError(f'{pack} has {size} bytes but its index expects {pixel_bytes} '
                            '(an incomplete or mismatched pack)')  # fmt: skip
        self._pixels, self._pid = None, None

    def __len__(self) -> int:
        return len(self.heights)

    def stale(self, img_dir: str, names: Sequence[bytes]) -> Optional[str]:
        """What changed in ``img_dir`` since packing, or None: its image files ``names`` (in
        the dataset's order) against the pack's, then each file's size and mtime.

        Args:
            img_dir (str): The folder the pack was made from.
            names (Sequence[bytes]): The files the dataset indexes there now.

        Returns:
            str | None: e.g. ``'2 images added (7.PNG, 8.PNG), 1 changed (3.PNG)'``.
        """
        names = np.asarray(names)
        same = len(names) == len(self.names) and (names == self.names).all()
        if same:
            rows, now = np.arange(len(names)), names
        else:  # the files in both, by name
            now, rows, _ = np.intersect1d(self.names, names, return_indices=True)
        sizes, mtimes = file_stats(img_dir, now)
        changed = now[(sizes != self.file_sizes[rows]) | (mtimes != self.mtimes_ns[rows])]
        found = _describe([('added', np.setdiff1d(names, self.names)),
                           ('removed', np.setdiff1d(self.names, names)),
                           ('changed', changed)])  # fmt: skip
        return found or (None if same else 'the same images in another order')

    def keep(self, rows: np.ndarray) -> None:
        """Keep only the images ``rows`` (the dataset's selection), in that order, and drop
        what only :meth:`stale` needs (the per-worker index is then 16 bytes an image)."""
        self.starts, self.heights, self.widths = (
            a[rows] for a in (self.starts, self.heights, self.widths)
        )
        self.names = self.file_sizes = self.mtimes_ns = None

    def __getitem__(self, i: int) -> Optional[np.ndarray]:
        """Image ``i`` as a writable (H, W, 3) uint8 BGR array (a copy out of the map), or
        None for a file that did not decode when packed."""
        h, w = int(self.heights[i]), int(self.widths[i])
        if not h:
            return None
        if self._pid != os.getpid():
            self._pixels, self._pid = np.memmap(self.pack, np.uint8, mode='r'), os.getpid()
        start = int(self.starts[i])
        return np.array(self._pixels[start : start + h * w * 3]).reshape(h, w, 3)

    def __getstate__(self) -> dict:
        return dict(self.__dict__, _pixels=None, _pid=None)


def _describe(parts: List[Tuple[str, Sequence[bytes]]], show: int = 3) -> str:
    out = []
    for what, names in parts:
        if len(names):
            listed = ', '.join(n.decode() for n in names[:show])
            more = f' and {len(names) - show} more' if len(names) > show else ''
            out.append(f'{len(names)} image{"s" * (len(names) > 1)} {what} ({listed}{more})')
    return ', '.join(out)
