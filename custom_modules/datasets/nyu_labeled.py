"""The NYU labeled layout as an mmdet dataset."""

import os
import os.path as osp
from typing import List, Optional, Tuple

from mmdet.datasets import BaseDetDataset
from mmdet.registry import DATASETS

from ..progress import progress
from .classes import NYU_CLASSES
from .image_folder import scan_dir, sort_key
from .image_io import IMAGE_EXTENSIONS
from .nyu_labels import LABEL_EXTENSIONS, parse_label_file
from .problems import DatasetError, Problem, apply_bad_data


def _shared_ids(img_dir: str, images: dict):
    """Image files naming one id (``1.JPEG``, ``1.jpeg``, ``001.JPEG``; non-numeric names up to
    case): the first in sorted order is the image, each other one a fatal ``duplicate_id``
    problem naming the group. ``images`` (stem -> file) is set to the first; returns the
    problems and the stems left out."""
    groups = {}
    with os.scandir(img_dir) as it:
        for entry in it:
            stem, ext = osp.splitext(entry.name)
            if stem and ext.lower() in IMAGE_EXTENSIONS:
                key = int(stem) if stem.isdigit() else stem.lower()
                groups.setdefault(key, []).append(entry.name)
    problems, dropped = [], set()
    for key, group in groups.items():
        if len(group) < 2:
            continue
        group.sort()
        first_stem = osp.splitext(group[0])[0]
        images[first_stem] = group[0]
        for name in group[1:]:
            stem = osp.splitext(name)[0]
            if stem != first_stem:
                dropped.add(stem)
            message = (f'names the same image id {key!r} as {group[0]} (all of '
                       f'{", ".join(group)}); keep one file per id')  # fmt: skip
            problems.append(Problem(osp.join(img_dir, name), 'duplicate_id', message, True))
    return problems, dropped


def index_split(img_dir: str, ann_dir: str, classes: Tuple[str, ...]):
    """Read every label of one split and pair it with its image.

    Args:
        img_dir (str): ``<root>/labeled/<split>/images``.
        ann_dir (str): ``<root>/labeled/<split>/labels``.
        classes (tuple[str]): Class names in label order.

    Returns:
        tuple[list[dict], list[Problem]]: one dict per usable image (mmdet's data-info
        format, boxes repaired) and every problem found, repaired or not.
    """
    for d in (img_dir, ann_dir):
        if not osp.isdir(d):
            raise FileNotFoundError(
                f'{d} does not exist. Point the tools at the data with --data-root DIR, or set '
                f"the dataset's data_root (or data_prefix) in the config"
            )
    images = scan_dir(img_dir, IMAGE_EXTENSIONS)
    labels = scan_dir(ann_dir, LABEL_EXTENSIONS)
    cat2label = {name: i for i, name in enumerate(classes)}
    problems, dropped = _shared_ids(img_dir, images)
    data_list = []
    for stem in sorted(set(images) - set(labels) - dropped, key=sort_key):
        problems.append(
            Problem(
                osp.join(img_dir, images[stem]),
                'missing_label',
                f'no label file {stem}.yml in {ann_dir}',
                fatal=True,
            )
        )
    for stem in progress(sorted(labels, key=sort_key), f'indexing {ann_dir}', unit='label'):
        ann_path = osp.join(ann_dir, labels[stem])
        if stem in dropped:  # named above
            continue
        if stem not in images:
            problems.append(
                Problem(ann_path, 'missing_image', f'no image {stem}.* in {img_dir}', fatal=True)
            )
            continue
        record = parse_label_file(ann_path, cat2label)
        problems += record.problems
        if record.fatal:
            continue
        img_id = int(stem) if stem.isdigit() else len(data_list)
        data_list.append(
            dict(
                img_path=osp.join(img_dir, images[stem]),
                img_id=img_id,
                width=record.width,
                height=record.height,
                instances=[
                    dict(bbox=box.tolist(), bbox_label=int(label), ignore_flag=0)
                    for box, label in zip(record.bboxes, record.labels)
                ],
            )
        )
    ids = [d['img_id'] for d in data_list]
    if len(set(ids)) != len(ids):
        raise DatasetError(f'{img_dir}: two images share an id; file names must be unique numbers')
    return data_list, problems


@DATASETS.register_module()
class NYUDetDataset(BaseDetDataset):
    """Object detection data in the NYU competition layout.

    ``<data_root>/<data_prefix.img>/<id>.JPEG`` holds the images and
    ``<data_root>/<data_prefix.ann>/<id>.yml`` the labels, each a YAML mapping with
    ``bboxes`` (list of ``[x1, y1, x2, y2]`` in pixels), ``labels`` (class names) and
    ``image_size`` (``[w, h]``). ``img_id`` is the integer in the file name.

    Bad labels never pass silently. Boxes reaching outside the image are clipped, boxes
    without area are dropped and empty label lists give background images: these are
    counted and named in one warning. Unknown class names, unreadable YAML, and images
    without labels (or labels without images) are fatal: with ``bad_data='raise'`` (the
    default) the dataset refuses to build and lists every such file; with
    ``bad_data='skip'`` those images are left out and named in a warning. Image files are
    checked as they are loaded (see ``LoadImageChecked``) and, all at once, by
    ``tools/check_dataset.py``.

    Args:
        data_root (str): Root of the data set.
        data_prefix (dict): ``img`` and ``ann`` folders relative to ``data_root``.
            Defaults to the training split.
        bad_data (str): ``'raise'`` or ``'skip'`` for fatal label problems.
        **kwargs: Passed to :class:`mmdet.datasets.BaseDetDataset` (``metainfo``,
            ``pipeline``, ``filter_cfg``, ``test_mode``, ...).
    """

    METAINFO = dict(classes=NYU_CLASSES)

    def __init__(
        self,
        data_root: str = '',
        data_prefix: Optional[dict] = None,
        bad_data: str = 'raise',
        **kwargs,
    ):
        if bad_data not in ('raise', 'skip'):
            raise ValueError(f"bad_data must be 'raise' or 'skip', got {bad_data!r}")
        self.bad_data = bad_data
        if data_prefix is None:
            data_prefix = dict(img='labeled/training/images', ann='labeled/training/labels')
        super().__init__(data_root=data_root, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        for kind in ('img', 'ann'):
            if not osp.isdir(self.data_prefix[kind]):
                loader = (
                    'val_dataloader or test_dataloader' if self.test_mode else 'train_dataloader'
                )
                raise FileNotFoundError(
                    f'{self.data_prefix[kind]} does not exist: the {kind} folder of the {loader} '
                    f'dataset (test_mode={self.test_mode}, data_root={self.data_root!r}). Move '
                    f'every dataloader with --data-root DIR (tools/train.py, tools/test.py), or '
                    f'set {loader.split()[0]}.dataset.data_root in the config'
                )
        data_list, problems = index_split(
            self.data_prefix['img'], self.data_prefix['ann'], tuple(self.metainfo['classes'])
        )
        apply_bad_data(problems, self.bad_data, self.data_prefix['ann'], 'label')
        self.problems = problems
        return data_list

    def filter_data(self) -> List[dict]:
        """Leave out images without objects (``filter_empty_gt``) or smaller than
        ``min_size`` pixels, as mmdet's COCO dataset does; nothing in test mode. A fraction of
        the labels: wrap the dataset in ``LabelFractionDataset``."""
        if self.test_mode:
            return self.data_list
        filter_cfg = self.filter_cfg or {}
        no_empty = filter_cfg.get('filter_empty_gt', False)
        min_size = filter_cfg.get('min_size', 0)
        return [
            d
            for d in self.data_list
            if (not no_empty or d['instances']) and min(d['width'], d['height']) >= min_size
        ]


def nyu_layout_datasets(root: str, classes: Tuple[str, ...] = NYU_CLASSES) -> List[dict]:
    """The dataset configs of a data root in the NYU layout, for the parts that exist: the
    labeled ``training`` and ``validation`` splits (``NYUDetDataset``) and the ``unlabeled``
    folder (``UnlabeledImageDataset``). ``tools/check_dataset.py --data-root`` checks these.

    Args:
        root (str): The folder holding ``labeled/`` and ``unlabeled/``.
        classes (tuple[str]): The class names of the labels.

    Returns:
        list[dict]: Dataset configs (no pipeline), as a dataloader's ``dataset``.
    """
    out = []
    for split in ('training', 'validation'):
        if osp.isdir(osp.join(root, 'labeled', split)):
            prefix = dict(img=f'labeled/{split}/images', ann=f'labeled/{split}/labels')
            out.append(dict(type='NYUDetDataset', data_root=root, data_prefix=prefix,
                            metainfo=dict(classes=tuple(classes))))  # fmt: skip
    if osp.isdir(osp.join(root, 'unlabeled')):
        out.append(dict(type='UnlabeledImageDataset', data_root=root, data_prefix='unlabeled'))
    return out
