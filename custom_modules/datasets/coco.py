"""A COCO instances json (as CVAT, Label Studio, Roboflow or FiftyOne export it) and a folder of
images, as an mmdet dataset whose bad annotations are named instead of silently dropped."""

import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS

from .problems import DatasetError, Problem, apply_bad_data


def _load_json(ann_file: str) -> dict:
    """The json's content; a whole-file problem raises :class:`DatasetError` naming it."""
    try:
        with open(ann_file, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise FileNotFoundError(f'{ann_file}: cannot read the annotation file ({e.strerror or e})')
    if not data.strip():
        raise DatasetError(f'{ann_file}: empty file, not a COCO json')
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError as e:
        raise DatasetError(
            f'{ann_file}: not UTF-8 text (byte {e.start}), not a COCO json'
        ) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise DatasetError(
            f'{ann_file}: not JSON ({e.msg} at line {e.lineno} column {e.colno})'
        ) from None
    lists = ('images', 'annotations', 'categories')
    if not isinstance(doc, dict) or not all(isinstance(doc.get(k), list) for k in lists):
        found = sorted(doc)[:8] if isinstance(doc, dict) else type(doc).__name__
        raise DatasetError(
            f'{ann_file}: not a COCO instances json: it needs the lists "images", "annotations" '
            f'and "categories" (found {found})'
        )
    for key in lists:
        if not all(isinstance(e, dict) for e in doc[key]):
            raise DatasetError(f'{ann_file}: an entry of "{key}" is not a JSON object')
    return doc


def _key(value):
    """An id as a dict key: numbers and strings as they are, anything else by its repr."""
    return value if isinstance(value, (int, float, str)) else repr(value)


def _id_order(key):
    """Sort key of ids: numbers in numeric order, then the others as strings."""
    return (0, key, '') if isinstance(key, (int, float)) else (1, 0, str(key))


def _categories(ann_file: str, cats: List[dict], classes: Optional[Sequence[str]]):
    """``(classes, {category id: label or None}, problems)``: the json's categories in id
    order, or those named in ``classes`` (in its order; other categories map to None and their
    annotations are ignored), and a warning when ``CocoMetric(ann_file=...)`` would pair labels
    with other categories (it takes label i for the i-th listed category that is a class)."""
    ids = [_key(c.get('id')) for c in cats]
    if len(set(ids)) != len(ids):
        raise DatasetError(f'{ann_file}: two categories share an id ({ids})')
    names = [str(c.get('name')) for c in cats]
    if classes is None:
        classes = tuple(name for _, name in sorted(zip(ids, names), key=lambda c: _id_order(c[0])))
        if len(set(classes)) != len(classes):
            raise DatasetError(f'{ann_file}: two categories share a name ({list(classes)})')
    classes = tuple(classes)
    index = {name: i for i, name in enumerate(classes)}
    problems = []
    if [n for n in names if n in index] != list(classes):
        problems.append(
            Problem(
                ann_file,
                'category_order',
                f'its categories list does not hold the classes {list(classes)} '
                f'in this order: CocoMetric(ann_file=...) would score some boxes '
                f'as other classes; use CocoMetric(ann_file=None), which takes '
                f'the ground truth from the dataset',
                fatal=False,
            )
        )
    return classes, {i: index.get(n) for i, n in zip(ids, names)}, problems


def _box(ann: dict, width: int, height: int):
    """``(box [x1, y1, x2, y2] or None, problem kind, message)`` for one annotation's ``bbox``."""
    bbox = ann.get('bbox')
    numbers = isinstance(bbox, (list, tuple)) and len(bbox) == 4
    if not numbers or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox
    ):
        return None, 'bad_box', f'bbox {bbox!r} is not four numbers [x, y, w, h]; dropped'
    if not all(math.isfinite(v) for v in bbox):
        return None, 'bad_box', f'bbox {list(bbox)} holds a non-finite number; dropped'
    x, y, w, h = bbox
    if w <= 0 or h <= 0:
        return None, 'degenerate_box', f'bbox {list(bbox)} has no width or height; dropped'
    x1, y1 = min(max(x, 0), width), min(max(y, 0), height)
    x2, y2 = min(max(x + w, 0), width), min(max(y + h, 0), height)
    if x2 <= x1 or y2 <= y1:
        message = f'bbox {list(bbox)} has no area inside the {width}x{height} image; dropped'
        return None, 'degenerate_box', message
    if (x1, y1, x2, y2) != (x, y, x + w, y + h):
        message = f'bbox {list(bbox)} reaches outside the {width}x{height} image; clipped'
        return [x1, y1, x2, y2], 'box_clipped', message
    return [x1, y1, x2, y2], None, None


class _Files:
    """Which files exist, one ``os.listdir`` per folder (not a ``stat`` per image)."""

    def __init__(self):
        self.folders: Dict[str, set] = {}

    def __contains__(self, path: str) -> bool:
        folder, name = osp.split(path)
        if folder not in self.folders:
            try:
                self.folders[folder] = set(os.listdir(folder or '.'))
            except OSError:
                self.folders[folder] = set()
        return name in self.folders[folder]


def read_coco(
    ann_file: str, img_dir: str, classes: Optional[Sequence[str]] = None
) -> Tuple[List[dict], List[Problem], Tuple[str, ...]]:
    """Read a COCO instances json, repairing or flagging each bad entry.

    Repaired (``fatal=False``): a box partly outside its image is clipped; a box with zero or
    negative width or height, no area inside the image, or a non-finite or malformed ``bbox``
    is dropped; an annotation whose ``image_id`` is no image is dropped. Fatal (the image is
    unusable): an annotation with a category id the json does not list, two images sharing one
    id (each), an image without ``file_name`` or a positive ``width``/``height``, an image file
    that does not exist. Annotations of categories not in ``classes`` are ignored, as mmdet's
    ``CocoDataset`` ignores them; unlike it, a box under 1 px or with ``area`` 0 is kept (the
    box decides), as ``NYUDetDataset`` keeps it. An annotation's problem is named
    ``<ann_file>#annotation <id>``, an image entry's ``<ann_file>#image <id>``, a missing file by
    its path.

    Args:
        ann_file (str): The json.
        img_dir (str): The folder the images' ``file_name`` are relative to.
        classes (Sequence[str], optional): Class names; categories are matched by name.
            Defaults to the json's categories in category-id order.

    Returns:
        tuple[list[dict], list[Problem], tuple[str]]: the usable images as mmdet data infos
        (``img_path``, ``img_id``, ``width``, ``height``, ``instances`` with ``bbox``
        ``[x1, y1, x2, y2]``, ``bbox_label``, ``ignore_flag`` from ``iscrowd``), in the json's
        order; every problem; the class names.

    Raises:
        DatasetError: the file is empty, not UTF-8, not JSON or not COCO instances, or two
            categories share an id (or, read from the json, a name).
    """
    doc = _load_json(ann_file)
    classes, cat2label, problems = _categories(ann_file, doc['categories'], classes)
    id_count = {}
    for img in doc['images']:
        key = _key(img.get('id'))
        id_count[key] = id_count.get(key, 0) + 1
    files, images, bad_images = _Files(), {}, set()
    for img in doc['images']:
        img_id, name = img.get('id'), img.get('file_name')
        key, size = _key(img_id), (img.get('width'), img.get('height'))
        path = osp.join(img_dir, name) if isinstance(name, str) else None
        if id_count[key] > 1:
            kind = 'duplicate_image_id'
            message = f'{name!r} shares its id with {id_count[key] - 1} other image(s)'
        elif not isinstance(img_id, (int, str)) or not path or not name:
            kind, message = 'bad_image_entry', f'needs an integer "id" and a "file_name": {img}'
        elif not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size):
            kind = 'bad_image_entry'
            message = f'{name}: width and height must be positive integers, got {list(size)}'
        elif path not in files:
            problems.append(
                Problem(
                    path,
                    'missing_image',
                    f'no such file (image {img_id} of {ann_file})',
                    fatal=True,
                )
            )
            bad_images.add(key)
            continue
        else:
            images[key] = dict(
                img_path=path, img_id=img_id, width=size[0], height=size[1], instances=[]
            )
            continue
        problems.append(Problem(f'{ann_file}#image {img_id}', kind, message, fatal=True))
        bad_images.add(key)

    ann_ids = {}
    for k, ann in enumerate(doc['annotations']):
        ann_id = ann.get('id', f'#{k} (no id)')
        ann_ids[_key(ann_id)] = ann_ids.get(_key(ann_id), 0) + 1
        where = f'{ann_file}#annotation {ann_id}'
        img_key, cat = _key(ann.get('image_id')), _key(ann.get('category_id'))
        info = images.get(img_key)
        if info is None:
            if img_key not in bad_images:
                message = f'image_id {ann.get("image_id")!r} is no image; dropped'
                problems.append(Problem(where, 'orphan_annotation', message, fatal=False))
            continue
        if cat not in cat2label:
            problems.append(
                Problem(
                    where,
                    'unknown_category',
                    f'category_id {ann.get("category_id")!r} is none of the '
                    f'categories {sorted(cat2label, key=_id_order)} (image '
                    f'{info["img_id"]}, {info["img_path"]})',
                    fatal=True,
                )
            )
            bad_images.add(img_key)
            continue
        if cat2label[cat] is None or ann.get('ignore', False):
            continue
        box, kind, message = _box(ann, info['width'], info['height'])
        if kind:
            message = f'{message} (image {info["img_id"]})'
            problems.append(Problem(where, kind, message, fatal=False))
        if box is None:
            continue
        crowd = int(bool(ann.get('iscrowd', 0)))
        instance = dict(bbox=box, bbox_label=cat2label[cat], ignore_flag=crowd)
        if ann.get('segmentation'):
            instance['mask'] = ann['segmentation']
        info['instances'].append(instance)
    for ann_id, n in ann_ids.items():
        if n > 1:
            problems.append(
                Problem(
                    f'{ann_file}#annotation {ann_id}',
                    'duplicate_annotation_id',
                    f'{n} annotations share this id; pycocotools (CocoMetric with '
                    f'ann_file) keeps one of them',
                    fatal=False,
                )
            )
    data_list = [info for key, info in images.items() if key not in bad_images]
    return data_list, problems, classes


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """A COCO instances json and its images, every bad annotation named.

    The json is read by :func:`read_coco`: boxes partly outside their image are clipped and
    boxes without area, with non-finite numbers, or of no image are dropped, all counted and
    named (file and annotation id) in one warning. Unknown category ids, two images with one id
    and missing image files make an image unusable: with ``bad_data='raise'`` (the default)
    the dataset refuses to build and lists every one; with ``bad_data='skip'`` those images are
    left out, named in a warning. An empty, non-UTF-8, non-JSON or non-COCO file always
    raises :class:`DatasetError`. ``self.problems`` keeps every problem;
    ``tools/check_dataset.py ANN.json`` lists them and decodes every image.

    The classes are the json's categories in id order unless ``metainfo=dict(classes=...)``
    names them (categories are then matched by name; others are ignored). ``img_id`` is the
    json's image id, so both ``CocoMetric(ann_file=None)`` (the ground truth from the
    dataset's ``instances``) and ``CocoMetric(ann_file=<the json>)`` evaluate it; the latter
    assumes the classes in the order of the json's ``categories`` list (a warning says when
    they are not).

    Args:
        ann_file (str): The json, relative to ``data_root`` unless absolute.
        data_prefix (dict, optional): ``dict(img=<folder>)`` the ``file_name`` are relative to
            (joined with ``data_root``). Defaults to the json's folder.
        bad_data (str): ``'raise'`` or ``'skip'`` for images with fatal problems.
        **kwargs: Passed to :class:`mmdet.datasets.CocoDataset` (``metainfo``, ``pipeline``,
            ``filter_cfg`` (``filter_empty_gt``, ``min_size``), ``test_mode``, ...).
    """

    METAINFO = dict(classes=None)

    def __init__(
        self, *args, data_prefix: Optional[dict] = None, bad_data: str = 'raise', **kwargs
    ):
        if bad_data not in ('raise', 'skip'):
            raise ValueError(f"bad_data must be 'raise' or 'skip', got {bad_data!r}")
        self.bad_data = bad_data
        self.problems: List[Problem] = []
        self._images_next_to_json = data_prefix is None
        super().__init__(*args, data_prefix=data_prefix or dict(img=''), **kwargs)

    @property
    def img_dir(self) -> str:
        """The folder the json's ``file_name`` are relative to."""
        return osp.dirname(self.ann_file) if self._images_next_to_json else self.data_prefix['img']

    @property
    def metainfo(self) -> dict:
        if self._metainfo.get('classes') is None:  # read from the json
            self.full_init()
        return super().metainfo

    def load_data_list(self) -> List[dict]:
        data_list, problems, classes = read_coco(
            self.ann_file, self.img_dir, self._metainfo.get('classes')
        )
        self._metainfo['classes'] = classes
        check = f'tools/check_dataset.py {self.ann_file}'
        apply_bad_data(problems, self.bad_data, self.ann_file, 'annotation', check)
        if self.return_classes:
            for info in data_list:
                info.update(text=classes, caption_prompt=self.caption_prompt, custom_entities=True)
        self.problems = problems
        return data_list

    def filter_data(self) -> List[dict]:
        """Leave out images without objects (``filter_empty_gt``) or smaller than
        ``min_size`` pixels, as mmdet's ``CocoDataset``; nothing in test mode."""
        if self.test_mode or not self.filter_cfg:
            return self.data_list
        no_empty = self.filter_cfg.get('filter_empty_gt', False)
        min_size = self.filter_cfg.get('min_size', 0)
        return [
            d
            for d in self.data_list
            if (not no_empty or d['instances']) and min(d['width'], d['height']) >= min_size
        ]
