"""Decoding image files into 8-bit BGR arrays, converting unusual modes and naming bad files.

Shared by the datasets, the image-loading transform, the k-NN probe and the tools.
"""

import io
import os.path as osp
from typing import List, Optional, Tuple

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from .problems import Problem

IMAGE_EXTENSIONS = ('.jpeg', '.jpg', '.png', '.bmp', '.tif', '.tiff', '.webp')


class ImageReadError(RuntimeError):
    """An image that cannot be decoded; the message names the file and the problem."""

    def __init__(self, path: str, message: str):
        super().__init__(f'{path}: {message}')
        self.path = path
        self.problem = Problem(path, 'bad_image', message, fatal=True)


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
