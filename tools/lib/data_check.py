"""Checking a data set's files before training (``tools/check_dataset.py``): labeled splits
(every label and image) and unlabeled folders (every image), decoded in parallel with a
progress bar.

Every problem is a ``custom_modules.datasets.Problem``; ``fatal`` ones make the dataset refuse
or skip a file, the others are repaired or converted on load.
"""

import os
import os.path as osp
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import List, Optional, Sequence, Tuple

from custom_modules.datasets import DatasetError, ImageReadError, Problem, index_split, read_image
from custom_modules.datasets.classes import NYU_CLASSES
from custom_modules.datasets.image_io import IMAGE_EXTENSIONS, size_mismatch
from custom_modules.progress import progress

from .config import datasets


def inspect_image(job: Tuple[str, Optional[Tuple[int, int]]]):
    """Decode one image file and check its size.

    Args:
        job (tuple): ``(path, (width, height) from its label, or None)``.

    Returns:
        tuple[list[Problem], tuple[int, int] | None]: Its problems (undecodable, truncated,
        empty: fatal; converted mode: repaired; size different from the label's: fatal) and
        its decoded ``(width, height)`` (None when it does not decode).
    """
    path, size = job
    try:
        img, notes = read_image(path)
    except ImageReadError as e:
        return [e.problem], None
    out = [Problem(path, 'image_converted', n, fatal=False) for n in notes]
    wrong = size and size_mismatch(img, *size)
    if wrong:
        out.append(Problem(path, 'size_mismatch', wrong, fatal=True))
    return out, (img.shape[1], img.shape[0])


def inspect_images(jobs: Sequence[tuple], workers: int = 2, desc: str = 'images') -> list:
    """``inspect_image`` of every job, over ``workers`` processes (in this one for 1), with a
    progress bar and ETA on a terminal.

    Args:
        jobs (Sequence[tuple]): ``inspect_image``'s jobs.
        workers (int): Processes.
        desc (str): The progress bar's label.

    Returns:
        list[tuple]: ``inspect_image``'s results, in the order of ``jobs``.
    """
    if workers <= 1:
        return [inspect_image(j) for j in progress(jobs, desc, unit='image')]
    chunk = max(1, min(256, len(jobs) // (workers * 16)))
    with ProcessPoolExecutor(workers) as pool:
        results = pool.map(inspect_image, jobs, chunksize=chunk)
        return list(progress(results, desc, total=len(jobs), unit='image'))


def image_files(folder: str, extensions: Sequence[str] = IMAGE_EXTENSIONS) -> List[str]:
    """Every file name in ``folder`` with one of ``extensions`` (any case), sorted."""
    exts = tuple(e.lower() for e in extensions)
    with os.scandir(folder) as it:
        return sorted(e.name for e in it if osp.splitext(e.name)[1].lower() in exts)


def duplicate_ids(folder: str, names: Sequence[str]) -> List[Problem]:
    """Files that name the same image: the same number (``1.png``, ``1.PNG``, ``001.png``) or
    the same non-numeric stem up to case. The datasets index one file per stem, so one of
    ``1.png``/``1.PNG`` is silently left out, and ``001``/``1`` give one id twice.

    Args:
        folder (str): The folder (for the problems' paths).
        names (Sequence[str]): File names in it.

    Returns:
        list[Problem]: One fatal ``duplicate_id`` per file of each group after its first.
    """
    groups = {}
    for name in sorted(names):
        stem = osp.splitext(name)[0]
        key = int(stem) if stem.isdigit() else stem.lower()
        groups.setdefault(key, []).append(name)
    out = []
    for key, group in groups.items():
        for name in group[1:]:
            message = (f'names the same image id {key!r} as {group[0]} (all of '
                       f'{", ".join(group)}); keep one file per id')  # fmt: skip
            out.append(Problem(osp.join(folder, name), 'duplicate_id', message, fatal=True))
    return out


def check_split(img_dir: str, ann_dir: str, classes: Sequence[str], workers: int = 2):
    """Every problem of one labeled split: labels first, then every image file decoded (also
    those whose label is unusable, so that one pass finds everything).

    Args:
        img_dir (str), ann_dir (str): The split's ``images`` and ``labels`` folders.
        classes (Sequence[str]): The class names.
        workers (int): Processes decoding the images.

    Returns:
        tuple[list[dict], list[Problem]]: The usable images (mmdet data infos) and every problem.
    """
    names = image_files(img_dir)
    problems = duplicate_ids(img_dir, names)
    try:
        data_list, found = index_split(img_dir, ann_dir, tuple(classes))
    except DatasetError as e:  # shared ids: listed above, the labels are not indexed
        data_list, found = [], [Problem(img_dir, 'duplicate_id', str(e), fatal=True)]
    problems += found
    sizes = {d['img_path']: (d['width'], d['height']) for d in data_list}
    jobs = [(osp.join(img_dir, n), sizes.get(osp.join(img_dir, n))) for n in names]
    for found, _ in inspect_images(jobs, workers, f'images in {img_dir}'):
        problems += found
    return data_list, problems


def check_unlabeled(img_dir: str, workers: int = 2, extensions: Sequence[str] = IMAGE_EXTENSIONS):
    """Every problem of an unlabeled image folder: each file decoded (empty, truncated,
    undecodable: fatal; grayscale, RGBA, CMYK, 16-bit: converted), and duplicate ids.

    Args:
        img_dir (str): The folder (``<root>/unlabeled``).
        workers (int): Processes decoding the images.
        extensions (Sequence[str]): The file types the dataset takes.

    Returns:
        tuple[int, Counter, list[Problem]]: The number of image files, how many decode to
        each ``(width, height)``, and every problem.
    """
    names = image_files(img_dir, extensions)
    problems = duplicate_ids(img_dir, names)
    sizes = Counter()
    jobs = [(osp.join(img_dir, n), None) for n in names]
    for found, size in inspect_images(jobs, workers, f'images in {img_dir}'):
        problems += found
        if size:
            sizes[size] += 1
    return len(names), sizes, problems


def describe_sizes(sizes: Counter, top: int = 3) -> str:
    """'96x96 (5), 80x64 (1); sides 64-96 px' for a Counter of (width, height)."""
    if not sizes:
        return 'no decodable image'
    common = ', '.join(f'{w}x{h} ({n})' for (w, h), n in sizes.most_common(top))
    more = f' and {len(sizes) - top} more sizes' if len(sizes) > top else ''
    sides = [s for wh in sizes for s in wh]
    return f'{common}{more}; sides {min(sides)}-{max(sides)} px'


def config_targets(cfg, splits: Sequence[str] = ('train', 'val', 'test')) -> list:
    """What ``check_dataset`` checks for a config: each distinct folder its datasets read.

    Args:
        cfg (mmengine.Config): The config (after ``set_data_root``, if any).
        splits (Sequence[str]): The dataloaders to look at.

    Returns:
        list[tuple]: ``('labeled', img_dir, ann_dir, classes)`` for an ``NYUDetDataset`` (any
        dataset with ``img`` and ``ann`` prefixes), ``('unlabeled', img_dir, extensions)`` for
        an ``UnlabeledImageDataset``; each once.
    """
    seen = []
    for _, ds in datasets(cfg, splits):
        root, prefix = ds.get('data_root') or '', ds.get('data_prefix')
        if ds.get('type', '').endswith('UnlabeledImageDataset'):
            folder = prefix.get('img_path') if isinstance(prefix, dict) else prefix
            target = ('unlabeled', osp.join(root, folder or 'unlabeled'),
                      tuple(ds.get('extensions', IMAGE_EXTENSIONS)))  # fmt: skip
        else:
            prefix = prefix or dict(img='labeled/training/images', ann='labeled/training/labels')
            target = ('labeled', osp.join(root, prefix['img']), osp.join(root, prefix['ann']),
                      tuple(ds.get('metainfo', {}).get('classes', NYU_CLASSES)))  # fmt: skip
        if target not in seen:
            seen.append(target)
    return seen


def root_targets(root: str, classes: Sequence[str]) -> list:
    """``config_targets``' targets for a data root without a config: its labeled training and
    validation splits and its unlabeled folder, those that exist."""
    out = []
    for split in ('training', 'validation'):
        if osp.isdir(osp.join(root, 'labeled', split)):
            folder = osp.join(root, 'labeled', split)
            out.append(('labeled', osp.join(folder, 'images'), osp.join(folder, 'labels'),
                        tuple(classes)))  # fmt: skip
    if osp.isdir(osp.join(root, 'unlabeled')):
        out.append(('unlabeled', osp.join(root, 'unlabeled'), IMAGE_EXTENSIONS))
    return out
