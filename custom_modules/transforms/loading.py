"""Image loading that names the bad file instead of failing deep inside a worker."""

import os
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.builder import TRANSFORMS
from mmengine.logging import print_log

from ..datasets.image_io import ImageReadError, read_image, size_mismatch


@TRANSFORMS.register_module()
class LoadImageChecked(BaseTransform):
    """Load ``results['img_path']`` like mmcv's ``LoadImageFromFile``, but safely.

    Grayscale, palette, RGBA, CMYK and 16-bit images are converted to 8-bit BGR (a warning
    names each converted file once per worker). Empty, truncated and undecodable files, and
    images whose size differs from the label's ``image_size`` (``results['width']``,
    ``results['height']`` when present), are bad. With ``on_error='skip'`` (training) a bad
    image is named in a warning and the transform returns None, so mmengine's dataset draws
    another sample; with ``on_error='raise'`` (testing) it raises an error naming the file.

    Registered in mmcv's ``TRANSFORMS``, so mmdet and mmpretrain configs both find it.

    Required keys: ``img_path``. Added keys: ``img``, ``img_shape``, ``ori_shape``.

    Args:
        on_error (str): ``'skip'`` or ``'raise'``.
        to_float32 (bool): Return a float32 image.
        check_size (bool): Compare the decoded size with ``width``/``height``.
        png_decoder (str): ``'pillow'`` or ``'spng'`` (8-bit RGB PNGs by libspng, faster,
            same pixels; see :func:`~custom_modules.datasets.image_io.read_image`).
    """

    def __init__(
        self,
        on_error: str = 'skip',
        to_float32: bool = False,
        check_size: bool = True,
        png_decoder: str = 'pillow',
    ):
        if on_error not in ('skip', 'raise'):
            raise ValueError(f"on_error must be 'skip' or 'raise', got {on_error!r}")
        if png_decoder not in ('pillow', 'spng'):
            raise ValueError(f"png_decoder must be 'pillow' or 'spng', got {png_decoder!r}")
        self.png_decoder = png_decoder
        self.on_error = on_error
        self.to_float32 = to_float32
        self.check_size = check_size
        self._warned = set()

    def _bad(self, err: ImageReadError) -> None:
        if self.on_error == 'raise':
            raise err
        print_log(f'skipping a bad image (pid {os.getpid()}): {err}', logger='current', level=30)
        return None

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        try:
            img, notes = read_image(path, png_decoder=self.png_decoder)
        except ImageReadError as err:
            return self._bad(err)
        if notes and path not in self._warned:
            self._warned.add(path)
            print_log(f'{path}: {"; ".join(notes)}', logger='current', level=30)
        if self.check_size and 'width' in results and 'height' in results:
            wrong = size_mismatch(img, results['width'], results['height'])
            if wrong:
                return self._bad(ImageReadError(path, f'{wrong}; boxes would be wrong'))
        h, w = img.shape[:2]
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = (h, w)
        results['ori_shape'] = (h, w)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(on_error={self.on_error!r}, to_float32={self.to_float32})'
