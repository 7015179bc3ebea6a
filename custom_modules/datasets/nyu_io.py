"""Reading and checking NYU-layout files: label YAMLs and images.

These functions are shared by the datasets, the image-loading transform and
``tools/check_dataset.py`` so that every consumer reports a bad file the same way.
"""

import io
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import yaml
from PIL import Image, UnidentifiedImageError

IMAGE_EXTENSIONS = ('.jpeg', '.jpg', '.png', '.bmp', '.tif', '.tiff', '.webp')
LABEL_EXTENSIONS = ('.yml', '.yaml')
_YAML_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


@dataclass
class Problem:
    """One problem found in one file.

    Args:
        path (str): The file the problem is in.
        kind (str): A short machine-readable name, e.g. ``'unknown_class'``.
        message (str): What is wrong, for a person.
        fatal (bool): True when the file cannot be used as it is (the dataset refuses or
            skips it); False when it was repaired (a box clipped or dropped, an image
            converted) and training can go on.
    """

    path: str
    kind: str
    message: str
    fatal: bool

    def __str__(self) -> str:
        return f'{self.path}: {self.message}'


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


class ImageReadError(RuntimeError):
    """An image that cannot be decoded; the message names the file and the problem."""

    def __init__(self, path: str, message: str):
        super().__init__(f'{path}: {message}')
        self.path = path
        self.problem = Problem(path, 'bad_image', message, fatal=True)


def file_id(name: str) -> Optional[int]:
    """The integer id in a file name such as ``'00042.JPEG'``, or None."""
    stem = osp.splitext(osp.basename(name))[0]
    return int(stem) if stem.isdigit() else None


def scan_dir(path: str, extensions: Sequence[str]) -> Dict[str, str]:
    """Map each file's stem to its name, for files in ``path`` with one of ``extensions``.

    ``os.scandir`` reads names without a ``stat`` per file, which keeps a 512K-file folder
    to seconds.
    """
    out = {}
    with os.scandir(path) as it:
        for entry in it:
            name = entry.name
            dot = name.rfind('.')
            if dot > 0 and name[dot:].lower() in extensions:
                out[name[:dot]] = name
    return out


def sort_key(stem: str):
    """Numeric ids in numeric order, other names after them, alphabetically."""
    return (0, int(stem), '') if stem.isdigit() else (1, 0, stem)


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


def size_mismatch(img: np.ndarray, width: int, height: int) -> Optional[str]:
    """A message when a decoded (H, W, C) image is not the label's ``image_size``."""
    h, w = img.shape[:2]
    if (w, h) == (width, height):
        return None
    return f'the image is {w}x{h} but its label says image_size [{width}, {height}]'


def _truncation(data: bytes) -> Optional[str]:
    """A message when a JPEG or PNG byte string ends before its end marker."""
    tail = data[-1024:].rstrip(b'\x00\r\n ')
    if data[:3] == b'\xff\xd8\xff' and not tail.endswith(b'\xff\xd9'):
        return 'truncated JPEG (no end-of-image marker)'
    if data[:8] == b'\x89PNG\r\n\x1a\n' and b'IEND' not in tail[-12:]:
        return 'truncated PNG (no IEND chunk)'
    return None


def _spng_rgb8(data: bytes, path: str, max_pixels: int) -> Optional[np.ndarray]:
    """An 8-bit RGB PNG decoded by libspng (pyspng) as BGR, or None for anything else."""
    if data[:8] != b'\x89PNG\r\n\x1a\n' or data[12:16] != b'IHDR' or len(data) < 33:
        return None
    if osp.splitext(path)[1].lower() != '.png' or data[24:26] != b'\x08\x02':  # depth 8, RGB
        return None
    if int.from_bytes(data[16:20], 'big') * int.from_bytes(data[20:24], 'big') > max_pixels:
        return None  # the Pillow path names the problem
    try:
        import pyspng

        rgb = pyspng.load(data)
    except Exception:  # missing package or bad data: the Pillow path decides
        return None
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        return None
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def read_image(
    path: str, max_pixels: int = 64_000_000, png_decoder: str = 'pillow'
) -> Tuple[np.ndarray, List[str]]:
    """Decode an image file into an 8-bit BGR array, converting unusual modes.

    Grayscale, palette, RGBA/LA (alpha dropped), CMYK and 16-bit images are converted;
    each conversion is listed in the returned notes. Empty, truncated, undecodable and
    over-large files raise :class:`ImageReadError` naming the file. EXIF orientation is not
    applied: label boxes refer to the stored pixels.

    Args:
        path (str): Image file.
        max_pixels (int): Refuse images with more pixels than this (decompression bombs).
        png_decoder (str): ``'pillow'``, or ``'spng'``: 8-bit RGB ``.png`` files are decoded
            by libspng (the ``pyspng`` package, about 1.4x faster than Pillow, same pixels);
            every other file, and any file libspng refuses, goes through Pillow as usual.

    Returns:
        tuple[np.ndarray, list[str]]: (H, W, 3) uint8 BGR image and conversion notes.
    """
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise ImageReadError(path, f'cannot open the file ({e.strerror or e})') from None
    if not data:
        raise ImageReadError(path, 'empty file (0 bytes)')
    truncated = _truncation(data)
    if truncated:
        raise ImageReadError(path, truncated)
    if png_decoder == 'spng':
        bgr = _spng_rgb8(data, path, max_pixels)
        if bgr is not None:
            return bgr, []
    notes = []
    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > max_pixels:
            raise ImageReadError(
                path,
                f'{img.width}x{img.height} pixels is over the limit of {max_pixels} (max_pixels)',
            )
        fmt = (img.format or '').lower()
        ext = osp.splitext(path)[1].lower().lstrip('.')
        if (
            fmt
            and ext
            and not (fmt == ext or {fmt, ext} <= {'jpeg', 'jpg'} or {fmt, ext} <= {'tiff', 'tif'})
        ):
            notes.append(f'{fmt.upper()} content with a .{ext} extension')
        img.load()
    except ImageReadError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as e:
        raise ImageReadError(path, f'cannot decode the image ({e})') from None
    mode = img.mode
    if mode in ('I;16', 'I;16B', 'I;16L', 'I;16N', 'I'):
        arr = np.asarray(img)
        top = 65535.0 if mode.startswith('I;16') or arr.max() > 255 else 255.0
        arr = (arr.astype(np.float64) * (255.0 / top)).round().clip(0, 255).astype(np.uint8)
        notes.append(f'{mode} (16-bit) image scaled to 8 bits')
        return np.repeat(arr[..., None], 3, axis=2), notes
    if mode == 'F':
        raise ImageReadError(path, 'floating-point (mode F) images are not supported')
    if mode != 'RGB':
        notes.append(f'{mode} image converted to RGB')
        if mode in ('P', 'PA') and 'transparency' in img.info:
            img = img.convert('RGBA')
        img = img.convert('RGB')
    rgb = np.asarray(img)
    return np.ascontiguousarray(rgb[..., ::-1]), notes
