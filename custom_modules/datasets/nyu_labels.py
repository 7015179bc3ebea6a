"""The NYU layout's label YAMLs, read and repaired.

Shared by the datasets and ``tools/check_dataset.py`` so that every consumer reports a bad file
the same way (:class:`Problem`).
"""

from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np
import yaml

from .problems import Problem

LABEL_EXTENSIONS = ('.yml', '.yaml')
_YAML_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


@dataclass
class LabelRecord:
    """The parsed, repaired content of one label file.

    Attributes:
        bboxes (np.ndarray): (K, 4) float32 boxes ``[x1, y1, x2, y2]`` in pixels, clipped
            to the image.
        labels (np.ndarray): (K,) int64 class indices.
        width (int), height (int): ``image_size`` from the file.
        problems (list[Problem]): everything found, repaired or not.
    """

    bboxes: np.ndarray
    labels: np.ndarray
    width: int
    height: int
    problems: List[Problem] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return any(p.fatal for p in self.problems)


def parse_label_file(path: str, cat2label: Dict[str, int]) -> LabelRecord:
    """Read one NYU label YAML and repair or flag what is wrong with it.

    Handled (``fatal=False``): boxes partly outside the image are clipped; boxes with no
    area left (``x2 <= x1`` or ``y2 <= y1``, or wholly outside) are dropped; an empty label
    list gives an image with no objects. Refused (``fatal=True``): unreadable YAML, missing
    or malformed ``image_size``/``bboxes``/``labels``, different numbers of boxes and
    labels, and class names not in ``cat2label``.

    Args:
        path (str): The ``.yml`` file.
        cat2label (dict[str, int]): Class name to index.

    Returns:
        LabelRecord: boxes (K, 4), labels (K,) and every problem found.
    """
    empty = LabelRecord(np.zeros((0, 4), np.float32), np.zeros((0,), np.int64), 0, 0)

    def refuse(kind, message):
        empty.problems.append(Problem(path, kind, message, fatal=True))
        return empty

    try:
        with open(path, 'rb') as f:
            doc = yaml.load(f, Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return refuse('bad_yaml', f'cannot read the label file ({first})')
    if not isinstance(doc, dict):
        return refuse('bad_yaml', 'not a mapping with image_size, bboxes and labels')
    size = doc.get('image_size')
    if (
        not isinstance(size, (list, tuple))
        or len(size) != 2
        or not all(isinstance(v, (int, float)) and v > 0 for v in size)
    ):
        return refuse('bad_image_size', f'image_size must be [width, height], got {size!r}')
    width, height = int(size[0]), int(size[1])
    bboxes, names = doc.get('bboxes') or [], doc.get('labels') or []
    if not isinstance(bboxes, list) or not isinstance(names, list):
        return refuse('bad_boxes', 'bboxes and labels must be lists')
    if len(bboxes) != len(names):
        return refuse('bad_boxes', f'{len(bboxes)} boxes but {len(names)} labels')
    try:
        boxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
    except (TypeError, ValueError):
        return refuse('bad_boxes', 'every box must be four numbers [x1, y1, x2, y2]')
    if not np.isfinite(boxes).all():
        return refuse('bad_boxes', 'a box holds a non-finite number')
    unknown = sorted({str(n) for n in names if n not in cat2label})
    if unknown:
        return refuse(
            'unknown_class',
            f'unknown class name(s) {unknown}; the dataset knows '
            f'{len(cat2label)} classes (set metainfo=dict(classes=...) for another list)',
        )
    labels = np.asarray([cat2label[n] for n in names], dtype=np.int64)
    record = LabelRecord(boxes, labels, width, height)
    if len(names) == 0:
        record.problems.append(Problem(path, 'no_objects', 'the label list is empty', fatal=False))

    clipped = boxes.copy()
    clipped[:, 0::2] = clipped[:, 0::2].clip(0, width)
    clipped[:, 1::2] = clipped[:, 1::2].clip(0, height)
    moved = (clipped != boxes).any(axis=1)
    keep = (clipped[:, 2] > clipped[:, 0]) & (clipped[:, 3] > clipped[:, 1])
    for i in np.flatnonzero(~keep):
        record.problems.append(
            Problem(
                path,
                'degenerate_box',
                f'box {i} {boxes[i].tolist()} has no area inside the '
                f'{width}x{height} image; dropped',
                fatal=False,
            )
        )
    for i in np.flatnonzero(moved & keep):
        record.problems.append(
            Problem(
                path,
                'box_clipped',
                f'box {i} {boxes[i].tolist()} reaches outside the {width}x{height} image; clipped',
                fatal=False,
            )
        )
    record.bboxes = clipped[keep].astype(np.float32)
    record.labels = labels[keep]
    return record
