"""Checking a data set's files before training (``tools/check_dataset.py``), given the dataset
config a dataloader takes: the dataset is built (its own reader names bad labels, in
``dataset.problems``), then every image of its data list is decoded in parallel, with a
progress bar.

Every problem is a ``custom_modules.datasets.Problem``; ``fatal`` ones make the dataset refuse
or skip a file, the others are repaired or converted on load.
"""

import copy
import inspect
import logging
import os.path as osp
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import List, Optional, Sequence, Tuple

from mmengine.logging import MMLogger

from custom_modules.datasets import ImageReadError, Problem, list_images, read_image
from custom_modules.datasets.image_io import IMAGE_EXTENSIONS, size_mismatch
from custom_modules.datasets.unlabeled import UnlabeledImageDataset
from custom_modules.progress import progress

from .config import dataset_folders

# What a check leaves out of a dataset config: it reads every file, whatever the run samples.
NOT_CHECKED = ('pipeline', 'filter_cfg', 'indices', 'test_mode', 'serialize_data', 'lazy_init')


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


def describe_sizes(sizes: Counter, top: int = 3) -> str:
    """'96x96 (5), 80x64 (1); sides 64-96 px' for a Counter of (width, height)."""
    if not sizes:
        return 'no decodable image'
    common = ', '.join(f'{w}x{h} ({n})' for (w, h), n in sizes.most_common(top))
    more = f' and {len(sizes) - top} more sizes' if len(sizes) > top else ''
    sides = [s for wh in sizes for s in wh]
    return f'{common}{more}; sides {min(sides)}-{max(sides)} px'


def dataset_class(type_):
    """The class of a dataset config's ``type``: from mmdet's registry, else mmpretrain's
    (a scoped name, ``mmpretrain.X``, picks its library); a class is returned as it is."""
    if not isinstance(type_, str):
        return type_
    from mmdet.registry import DATASETS as MMDET_DATASETS
    from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS

    import custom_modules  # noqa: F401  (registers this project's datasets)

    for registry in (MMDET_DATASETS, MMPRETRAIN_DATASETS):
        cls = registry.get(type_)
        if cls is not None:
            return cls
    raise KeyError(f'{type_} is a dataset of neither mmdet nor mmpretrain')


def build_for_check(cfg: dict):
    """Build a dataset config as the check reads it: every file (no pipeline, filter or
    ``indices``), not serialized (a data list left empty by bad labels is still a result),
    ``bad_data='skip'`` where the class takes it, so that one bad label does not hide the
    others, and its warnings silenced (the check lists the same problems)."""
    args = copy.deepcopy(dataset_key(cfg))
    cls = dataset_class(args.pop('type'))
    if 'bad_data' in inspect.signature(cls.__init__).parameters:
        args['bad_data'] = 'skip'
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        ds = cls(**args, lazy_init=True)
        ds.serialize_data = False
        ds.full_init()
    finally:
        logger.setLevel(level)
    return ds


def dataset_key(cfg: dict) -> dict:
    """What makes two dataset configs check the same files (a val and a test loader's): the
    config without ``NOT_CHECKED`` and mmengine's ``_scope_``."""
    return {k: v for k, v in dict(cfg).items() if k not in NOT_CHECKED and k != '_scope_'}


def _config_where(cfg: dict) -> str:
    """A name for a dataset config that did not build: its annotation file or folder."""
    paths = dataset_folders(cfg)
    if cfg.get('ann_file'):
        return osp.join(cfg.get('data_root') or '', cfg['ann_file'])
    try:
        return osp.commonpath(paths) if paths else str(cfg.get('type'))
    except ValueError:  # absolute and relative paths
        return paths[0]


def dataset_where(ds) -> str:
    """A name for a built dataset: its annotation file, else its folder."""
    ann = getattr(ds, 'ann_file', '')
    if isinstance(ann, str) and ann and osp.isfile(ann):
        return ann
    if isinstance(ds, UnlabeledImageDataset):
        return ds.img_dir.rstrip('/') or '.'
    prefix = getattr(ds, 'data_prefix', None) or {}
    paths = [v for v in prefix.values() if isinstance(v, str) and v]
    try:
        return osp.commonpath(paths) if paths else getattr(ds, 'data_root', '') or type(ds).__name__
    except ValueError:
        return paths[0]


def shared_names(ds: UnlabeledImageDataset) -> List[Problem]:
    """Files an unlabeled folder holds twice under one name (``1.png``, ``1.PNG``): the dataset
    reads one of them, the others are named here (fatal: they are silently left out)."""
    if ds.ann_file:
        return []
    _, dups = list_images(ds.img_dir, ds.extensions, with_duplicates=True)
    out = []
    for rel, group in dups:
        kept = group[-1]  # the one list_images takes
        for name in group[:-1]:
            message = (f'shares its name with {kept} (all of {", ".join(group)}); the dataset '
                       f'reads only {kept}: keep one file per name')  # fmt: skip
            out.append(Problem(osp.join(ds.img_dir, rel, name), 'shared_name', message, fatal=True))
    return out


def image_jobs(infos: Sequence[dict], problems: Sequence[Problem]) -> List[tuple]:
    """``inspect_image``'s jobs: each image of a data list once, with its ``(width, height)``
    when the data info has them, then the image files named by fatal problems that are not in
    the list (an image without a label), so that one pass finds everything."""
    jobs = {}
    for info in infos:
        if 'img_path' in info and info['img_path'] not in jobs:
            has_size = 'width' in info and 'height' in info
            jobs[info['img_path']] = (info['width'], info['height']) if has_size else None
    for p in problems:
        if p.fatal and p.path not in jobs and osp.splitext(p.path)[1].lower() in IMAGE_EXTENSIONS:
            if osp.isfile(p.path):
                jobs[p.path] = None
    return list(jobs.items())


def check_dataset(cfg: dict, workers: int = 2) -> Tuple[str, str, List[Problem]]:
    """Every problem of one dataset config: its labels (the dataset's ``problems``, built with
    ``bad_data='skip'``; a dataset that does not build is one fatal problem), then every image
    decoded (undecodable, truncated, empty, size different from the data info's
    ``width``/``height``: fatal; converted modes: repaired); for an ``UnlabeledImageDataset``
    also files sharing a name, and the image sizes.

    Args:
        cfg (dict): A dataset config, as a dataloader's ``dataset`` (mmdet or mmpretrain).
        workers (int): Processes decoding the images.

    Returns:
        tuple[str, str, list[Problem]]: Where (its annotation file or folder), a summary
        (images, boxes or image sizes) and every problem.
    """
    try:
        ds = build_for_check(cfg)
    except Exception as e:  # the dataset's own message names the file
        where = _config_where(cfg)
        message = f'{cfg.get("type")} does not build: {type(e).__name__}: {e}'
        return where, 'not built', [Problem(where, 'unusable_dataset', message, fatal=True)]
    where = dataset_where(ds)
    problems = list(getattr(ds, 'problems', None) or [])
    unlabeled = isinstance(ds, UnlabeledImageDataset)
    if unlabeled:
        problems += shared_names(ds)
    if unlabeled:
        infos = []
        jobs = [(osp.join(ds.img_dir, n.decode()), None) for n in ds.names]
    else:
        infos = [ds.get_data_info(i) for i in range(len(ds))]
        jobs = image_jobs(infos, problems)
    sizes = Counter()
    for found, size in inspect_images(jobs, workers, f'images in {where}'):
        problems += found
        if size:
            sizes[size] += 1
    if unlabeled:
        return where, f'{len(ds)} unlabeled images, {describe_sizes(sizes)}', problems
    if all('instances' in d for d in infos):
        n_boxes = sum(len(d['instances']) for d in infos)
        return where, f'{len(infos)} labelled images, {n_boxes} boxes', problems
    return where, f'{len(infos)} images', problems
