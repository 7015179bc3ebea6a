"""One augmented SSL view in one transform: mmpretrain's BYOL / Barlow Twins view pipeline, faster.

mmpretrain's view pipeline (``RandomResizedCrop`` -> ``RandomFlip`` -> ``RandomApply(ColorJitter)``
-> ``RandomGrayscale`` -> ``GaussianBlur`` -> ``Solarize``) spends most of its time moving the
image between NumPy (BGR, often a negative-stride view) and PIL (RGB) around every operation:
each of the four jitter steps, the blur and the resize make a BGR->RGB copy, a PIL image and a
NumPy array again. ``FastSSLView`` draws the random parameters from the same distributions
(:meth:`FastSSLView.sample_params`), converts the image once and back once, and applies the
steps in one of two ways:

* the default (``pixel_exact=False``, what the configs use): crop and resize with OpenCV's area
  filter before the one BGR->RGB conversion, shift hue in OpenCV's HSV and blur with a true
  Gaussian of the same sigma; the other steps are PIL's. The pixels are close to mmpretrain's,
  not equal (a level or two on a photograph: tests/test_ssl_view.py bounds the difference);
* ``pixel_exact=True``: every step in PIL with the calls mmcv's ``pillow`` backend makes, so the
  pixels equal mmpretrain's pipeline for the same parameters (tested), at about 1.6x less speed
  than the default (``benchmarks/bench_pipeline.py --exact``).

``SSLCropFlip`` is the worker's part of device-side augmentation: the crop, resize and flip of
``FastSSLView`` (same distributions; mmpretrain's bicubic resize, by torch) and nothing else,
BGR uint8 in and out; the colour steps run batched in the data preprocessor
(:class:`~custom_modules.models.SSLAugmentDataPreprocessor`).
"""

import copy
import math
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform
from mmcv.transforms.builder import TRANSFORMS
from mmpretrain.datasets.transforms import MultiView
from PIL import Image, ImageEnhance, ImageFilter

from ..view_params import ColourParams

_PIL_INTERP = {
    'nearest': Image.NEAREST,
    'bilinear': Image.BILINEAR,
    'bicubic': Image.BICUBIC,
    'box': Image.BOX,
    'lanczos': Image.LANCZOS,
    'hamming': Image.HAMMING,
}


def rand_crop_params(
    h: int,
    w: int,
    crop_ratio_range: Tuple[float, float],
    aspect_ratio_range: Tuple[float, float],
    max_attempts: int = 10,
) -> Tuple[int, int, int, int]:
    """mmpretrain ``RandomResizedCrop.rand_crop_params``: (offset_h, offset_w, crop_h, crop_w).

    An area fraction uniform in ``crop_ratio_range`` and a log-uniform aspect ratio, up to
    ``max_attempts`` tries, then a central crop clamped to the ratio range.
    """
    area = h * w
    log_ratio = (math.log(aspect_ratio_range[0]), math.log(aspect_ratio_range[1]))
    for _ in range(max_attempts):
        target_area = np.random.uniform(*crop_ratio_range) * area
        aspect_ratio = math.exp(np.random.uniform(*log_ratio))
        target_w = int(round(math.sqrt(target_area * aspect_ratio)))
        target_h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < target_w <= w and 0 < target_h <= h:
            offset_h = np.random.randint(0, h - target_h + 1)
            offset_w = np.random.randint(0, w - target_w + 1)
            return offset_h, offset_w, target_h, target_w
    in_ratio = float(w) / float(h)
    if in_ratio < min(aspect_ratio_range):
        target_w, target_h = w, int(round(w / min(aspect_ratio_range)))
    elif in_ratio > max(aspect_ratio_range):
        target_h, target_w = h, int(round(h * max(aspect_ratio_range)))
    else:
        target_w, target_h = w, h
    return (h - target_h) // 2, (w - target_w) // 2, target_h, target_w


# ---- the operations, on RGB PIL images (each equals the mmcv / mmpretrain op) -------------------
def crop_resize(img: Image.Image, box, size: Tuple[int, int], interpolation: str) -> Image.Image:
    """``mmcv.imcrop`` + ``mmcv.imresize(backend='pillow')``.

    Args:
        box: (top, left, h, w). size: (w, h).
    """
    top, left, h, w = box
    return img.crop((left, top, left + w, top + h)).resize(size, _PIL_INTERP[interpolation])


def adjust_brightness(img: Image.Image, factor: float) -> Image.Image:
    """``mmcv.adjust_brightness(backend='pillow')``."""
    return ImageEnhance.Brightness(img).enhance(factor)


def adjust_contrast(img: Image.Image, factor: float) -> Image.Image:
    """``mmcv.adjust_contrast(backend='pillow')``."""
    return ImageEnhance.Contrast(img).enhance(factor)


def adjust_saturation(img: Image.Image, factor: float) -> Image.Image:
    """``mmcv.adjust_color(alpha=factor, backend='pillow')``."""
    return ImageEnhance.Color(img).enhance(factor)


def adjust_hue(img: Image.Image, factor: float) -> Image.Image:
    """``mmcv.adjust_hue(backend='pillow')``: H += uint8(factor * 255) (mod 256) in PIL's HSV.

    ``np.uint8(x)`` of a negative float truncates towards zero and wraps (numpy 1.26), which
    ``int(x) % 256`` reproduces.
    """
    shift = int(factor * 255) % 256
    h, s, v = img.convert('HSV').split()
    h = h.point([(i + shift) % 256 for i in range(256)])
    return Image.merge('HSV', (h, s, v)).convert('RGB')


def grayscale(img: Image.Image, weights_bgr: Sequence[float]) -> Image.Image:
    """mmcv ``RandomGrayscale(keep_channels=True, channel_weights=weights_bgr)`` on a BGR image:
    ``uint8(sum(normalised weight * channel))`` over B, G, R in that order, on 3 channels."""
    rgb = np.asarray(img)
    wb, wg, wr = np.asarray(weights_bgr, dtype=np.float64) / sum(weights_bgr)
    gray = wb * rgb[..., 2] + wg * rgb[..., 1] + wr * rgb[..., 0]
    return Image.fromarray(gray.astype(np.uint8), 'L').convert('RGB')


def gaussian_blur(img: Image.Image, radius: float) -> Image.Image:
    """mmpretrain ``GaussianBlur(radius=radius)`` (PIL's Gaussian blur, sigma = radius)."""
    return img.filter(ImageFilter.GaussianBlur(radius=radius))


# ---- the approximate operations of pixel_exact=False (OpenCV, on RGB uint8 arrays) --------------
def crop_resize_cv2(img: np.ndarray, box, size: Tuple[int, int]) -> np.ndarray:
    """Crop and area-resize with OpenCV (an anti-aliased downscale like PIL's bicubic)."""
    top, left, h, w = box
    crop = img[top : top + h, left : left + w]
    up = size[0] > w or size[1] > h
    return cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC if up else cv2.INTER_AREA)


def adjust_hue_cv2(img: np.ndarray, factor: float) -> np.ndarray:
    """The hue shift of :func:`adjust_hue` in OpenCV's full-range (0-255) HSV."""
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV_FULL)
    hsv[..., 0] += np.uint8(int(factor * 255) % 256)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)


def gaussian_blur_cv2(img: np.ndarray, sigma: float) -> np.ndarray:
    """A true Gaussian of standard deviation ``sigma`` (PIL's blur approximates one with box
    blurs of the same variance)."""
    return cv2.GaussianBlur(img, (0, 0), sigma)


def solarize(img: Image.Image, thr: float) -> Image.Image:
    """``mmcv.solarize``: values >= thr become 255 - value."""
    return img.point([v if v < thr else 255 - v for v in range(256)] * 3)


_JITTER = dict(
    brightness=adjust_brightness,
    contrast=adjust_contrast,
    saturation=adjust_saturation,
    hue=adjust_hue,
)


@TRANSFORMS.register_module()
class SSLCropFlip(BaseTransform):
    """The geometric part of one :class:`FastSSLView` view, for device-side augmentation.

    Random resized crop and horizontal flip, drawn as mmpretrain's ``RandomResizedCrop`` and
    ``RandomFlip`` draw them (:meth:`FastSSLView.sample_params`'s crop and flip). The crop is
    resized by torch's antialiased bicubic on uint8 (PIL's filter: mmpretrain's
    ``RandomResizedCrop(interpolation='bicubic', backend='pillow')`` pixels to 0.03 grey levels
    on average, in a third of the time of OpenCV's area filter); the image stays BGR uint8 and
    is never converted to PIL or RGB. Colour jitter, grayscale, blur and solarize are left to
    :class:`~custom_modules.models.SSLAugmentDataPreprocessor`, which applies them to the whole
    batch.

    Required keys: ``img`` ((H, W, 3) uint8 BGR). Modified keys: ``img`` ((h, w, 3) uint8 BGR,
    a view of a contiguous (3, h, w) array, which ``PackInputs`` packs without a copy),
    ``img_shape``. Added keys: ``flip``, ``flip_direction``, ``view_box``
    (``(top, left, height, width, flipped)``, as ``FastSSLView`` records it).

    Args:
        scale (int | tuple[int, int]): Output size, int or (h, w).
        crop_ratio_range (tuple[float, float]): Crop area fraction range.
        aspect_ratio_range (tuple[float, float]): Crop aspect ratio range (log-uniform).
        max_attempts (int): Crop tries before the central-crop fallback.
        flip_prob (float): Horizontal flip probability.
    """

    CROP_KEYS = ('scale', 'crop_ratio_range', 'aspect_ratio_range', 'max_attempts', 'flip_prob')

    def __init__(
        self,
        scale: Union[int, Tuple[int, int]] = 224,
        crop_ratio_range: Tuple[float, float] = (0.08, 1.0),
        aspect_ratio_range: Tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
        max_attempts: int = 10,
        flip_prob: float = 0.5,
    ) -> None:
        self.scale = (scale, scale) if isinstance(scale, int) else tuple(scale)
        if crop_ratio_range[0] > crop_ratio_range[1] or (
            aspect_ratio_range[0] > aspect_ratio_range[1]
        ):
            raise ValueError('ranges must be (min, max)')
        self.crop_ratio_range = tuple(crop_ratio_range)
        self.aspect_ratio_range = tuple(aspect_ratio_range)
        self.max_attempts = max_attempts
        self.flip_prob = flip_prob

    def sample_params(self, h: int, w: int) -> dict:
        """Draw one view's ``crop`` (top, left, h, w) and ``flip`` (bool), as
        :meth:`FastSSLView.sample_params` draws them (np.random)."""
        crop = rand_crop_params(
            h, w, self.crop_ratio_range, self.aspect_ratio_range, self.max_attempts
        )
        return dict(crop=crop, flip=bool(np.random.rand() < self.flip_prob))

    @staticmethod
    def write(results: dict, out: np.ndarray, params: dict) -> dict:
        """Put a view ``out`` drawn with ``params`` into ``results`` (``img``, ``img_shape``,
        ``flip``, ``flip_direction``, ``view_box``: (top, left, h, w, flipped))."""
        results['img'] = out
        results['img_shape'] = out.shape
        results['flip'] = params['flip']
        results['flip_direction'] = 'horizontal' if params['flip'] else None
        results['view_box'] = (*params['crop'], int(params['flip']))
        return results

    def transform(self, results: dict) -> Optional[dict]:
        img = results['img']
        params = self.sample_params(*img.shape[:2])
        top, left, h, w = params['crop']
        crop = torch.from_numpy(np.ascontiguousarray(img))[top : top + h, left : left + w]
        out = F.interpolate(crop.permute(2, 0, 1)[None], size=self.scale, mode='bicubic',
                            antialias=True)[0]  # fmt: skip
        if params['flip']:
            out = out.flip(-1)
        return self.write(results, out.permute(1, 2, 0).numpy(), params)

    def __repr__(self) -> str:
        keys = ('scale', 'crop_ratio_range', 'aspect_ratio_range', 'flip_prob')
        return f'{type(self).__name__}(' + ', '.join(f'{k}={getattr(self, k)}' for k in keys) + ')'


@TRANSFORMS.register_module()
class FastSSLView(SSLCropFlip, ColourParams):
    """One view of mmpretrain's BYOL / Barlow Twins augmentation, fused.

    Draws its random parameters as this mmpretrain view pipeline with the same arguments does,
    and gives its pixels with ``pixel_exact=True`` (close ones by default; see the module)::

        RandomResizedCrop(scale, crop_ratio_range, aspect_ratio_range, interpolation,
                          backend='pillow')
        RandomFlip(prob=flip_prob)                                  # horizontal
        RandomApply([ColorJitter(brightness, contrast, saturation, hue)], prob=jitter_prob)
        RandomGrayscale(prob=gray_prob, keep_channels=True, channel_weights=gray_weights)
        GaussianBlur(magnitude_range=blur_sigma, magnitude_std='inf', prob=blur_prob)
        Solarize(thr=solarize_thr, prob=solarize_prob)

    ColorJitter applies its four adjustments in a random order (a permutation per call) with
    factors uniform in ``[max(0, 1 - b), 1 + b]``, ``[max(0, 1 - c), 1 + c]``,
    ``[max(0, 1 - s), 1 + s]`` and ``[-hue, hue]``; the blur sigma is uniform in ``blur_sigma``.

    Required keys: ``img`` ((H, W, 3) uint8 BGR). Modified keys: ``img`` ((scale, scale, 3)
    uint8 BGR, contiguous), ``img_shape``. Added keys: ``flip``, ``flip_direction``,
    ``view_box`` (``(top, left, height, width, flipped)`` of the crop in the input image).

    Args:
        scale (int | tuple[int, int]): Output size, int or (h, w).
        crop_ratio_range (tuple[float, float]): Crop area fraction range.
        aspect_ratio_range (tuple[float, float]): Crop aspect ratio range (log-uniform).
        max_attempts (int): Crop tries before the central-crop fallback.
        interpolation (str): PIL resize filter ('bicubic' as in mmpretrain's config).
        flip_prob (float): Horizontal flip probability.
        jitter_prob (float): Probability of applying the colour jitter.
        brightness, contrast, saturation (float | tuple): Jitter strengths (see above).
        hue (float | tuple): Hue jitter, within [-0.5, 0.5].
        gray_prob (float): Grayscale probability.
        gray_weights (tuple[float]): B, G, R weights of the grayscale (normalised).
        blur_prob (float): Gaussian blur probability.
        blur_sigma (tuple[float, float]): Blur sigma (PIL radius) range.
        solarize_prob (float): Solarize probability.
        solarize_thr (float): Solarize threshold.
        pixel_exact (bool): Resize, hue and blur as mmcv's ``pillow`` backend does, for exactly
            mmpretrain's pixels; ``False`` (the default) uses OpenCV for those three, faster
            and within a level or two. Defaults to False.
    """

    def __init__(self, interpolation: str = 'bicubic', pixel_exact: bool = False, **kwargs):
        # the crop and flip arguments are SSLCropFlip's, the others ColourParams'
        crop = {k: kwargs.pop(k) for k in self.CROP_KEYS if k in kwargs}
        SSLCropFlip.__init__(self, **crop)
        ColourParams.__init__(self, **kwargs)
        if interpolation not in _PIL_INTERP:
            raise ValueError(f'interpolation must be one of {sorted(_PIL_INTERP)}')
        self.interpolation = interpolation
        self.pixel_exact = pixel_exact

    def sample_params(self, h: int, w: int) -> dict:
        """Draw one view's random parameters (np.random, as mmpretrain's transforms do).

        Returns:
            dict: ``crop`` (top, left, h, w); ``flip`` (bool); ``jitter``: None or a list of
            (name, factor) in application order; ``gray`` (bool); ``blur``: None or sigma;
            ``solarize`` (bool).
        """
        params = SSLCropFlip.sample_params(self, h, w)  # crop, then flip: as mmpretrain draws
        jitter = None
        if np.random.rand() < self.jitter_prob:
            order = np.random.permutation(4)
            ranges = (self.brightness, self.contrast, self.saturation, self.hue)
            factors = [None if r is None else np.random.uniform(*r) for r in ranges]
            names = ('brightness', 'contrast', 'saturation', 'hue')
            jitter = [(names[i], factors[i]) for i in order if factors[i] is not None]
        gray = bool(np.random.rand() < self.gray_prob)
        # mmpretrain: disabled when rand() > prob; the magnitude is uniform over the range.
        blur = None
        if not np.random.rand() > self.blur_prob:
            blur = float(np.random.uniform(*self.blur_sigma))
        solar = bool(not np.random.rand() > self.solarize_prob)
        return dict(params, jitter=jitter, gray=gray, blur=blur, solarize=solar)

    def apply(self, img: np.ndarray, params: dict) -> np.ndarray:
        """Apply one view's parameters to an (H, W, 3) uint8 BGR image; return (h, w, 3) BGR."""
        size = self.scale[::-1]
        if self.pixel_exact:
            pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
            pil = crop_resize(pil, params['crop'], size, self.interpolation)
        else:  # crop and resize first, then one small BGR -> RGB conversion
            view = crop_resize_cv2(img, params['crop'], size)
            pil = Image.fromarray(cv2.cvtColor(view, cv2.COLOR_BGR2RGB))
        if params['flip']:
            pil = pil.transpose(Image.FLIP_LEFT_RIGHT)
        for name, factor in params['jitter'] or ():
            if name == 'hue' and not self.pixel_exact:
                pil = Image.fromarray(adjust_hue_cv2(np.asarray(pil), factor))
            else:
                pil = _JITTER[name](pil, factor)
        if params['gray']:
            pil = grayscale(pil, self.gray_weights)
        if params['blur'] is not None:
            if self.pixel_exact:
                pil = gaussian_blur(pil, params['blur'])
            else:
                pil = Image.fromarray(gaussian_blur_cv2(np.asarray(pil), params['blur']))
        if params['solarize']:
            pil = solarize(pil, self.solarize_thr)
        return cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)

    def transform(self, results: dict) -> Optional[dict]:
        img = results['img']
        params = self.sample_params(*img.shape[:2])
        return self.write(results, self.apply(img, params), params)

    def __repr__(self) -> str:
        keys = ('scale', 'crop_ratio_range', 'aspect_ratio_range', 'flip_prob', 'jitter_prob',
                'brightness', 'contrast', 'saturation', 'hue', 'gray_prob', 'blur_prob',
                'blur_sigma', 'solarize_prob', 'pixel_exact')  # fmt: skip
        return f'{type(self).__name__}(' + ', '.join(f'{k}={getattr(self, k)}' for k in keys) + ')'


@TRANSFORMS.register_module()
class MultiViewWithBoxes(MultiView):
    """mmpretrain's ``MultiView``, which also keeps each view's ``view_box`` (recorded by
    :class:`FastSSLView`) as ``view_boxes``, one per view in view order, for algorithms that
    match the views' local features by position (VICRegL). Takes ``MultiView``'s arguments."""

    def transform(self, results: dict) -> dict:
        views, boxes = [], []
        for trans in self.transforms:
            out = trans(copy.deepcopy(results))
            views.append(out['img'])
            boxes.append(out.get('view_box'))
        results.update(img=views, view_boxes=boxes)
        return results
