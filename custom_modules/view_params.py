"""One description of an SSL view's colour parameters, shared by the CPU view
(``transforms/ssl_view.py``: ``FastSSLView``, one image in a dataloader worker) and the batched
device-side one (``models/ssl_augment.py``: ``ViewAugment``): the same arguments, defaults
(mmpretrain's BYOL / Barlow Twins view 1) and checks, written once."""

from typing import Sequence, Tuple, Union


def jitter_range(value, name, center=1.0, bound=(0.0, float('inf'))):
    """mmpretrain ``ColorJitter._set_range``: a number v gives (center - v, center + v), clipped
    to ``bound``; None when the range is the single value ``center`` (no adjustment)."""
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f'{name} must be non negative, got {value}')
        value = (center - float(value), center + float(value))
    lo, hi = float(max(value[0], bound[0])), float(min(value[1], bound[1]))
    return None if lo == hi == center else (lo, hi)


class ColourParams:
    """The colour half of one SSL view: its settings, checked. mmpretrain's view 1 of BYOL /
    Barlow Twins by default (view 2 has ``blur_prob=0.1, solarize_prob=0.2``)::

        RandomApply([ColorJitter(brightness, contrast, saturation, hue)], prob=jitter_prob)
        RandomGrayscale(prob=gray_prob, keep_channels=True, channel_weights=gray_weights)
        GaussianBlur(magnitude_range=blur_sigma, magnitude_std='inf', prob=blur_prob)
        Solarize(thr=solarize_thr, prob=solarize_prob)

    Args:
        jitter_prob (float): Probability of the colour jitter.
        brightness, contrast, saturation (float | tuple): Jitter strengths: factors uniform in
            ``[max(0, 1 - v), 1 + v]`` (or the given range).
        hue (float | tuple): Hue factor uniform in ``[-hue, hue]``, within [-0.5, 0.5].
        gray_prob (float): Grayscale probability.
        gray_weights (tuple[float]): B, G, R weights of the grayscale (normalised).
        blur_prob (float): Gaussian blur probability.
        blur_sigma (tuple[float, float]): Blur sigma range (uniform; PIL's radius on the CPU).
        solarize_prob (float): Solarize probability.
        solarize_thr (float): Solarize threshold.
    """

    COLOUR_KEYS = ('jitter_prob', 'brightness', 'contrast', 'saturation', 'hue', 'gray_prob',
                   'blur_prob', 'blur_sigma', 'solarize_prob', 'solarize_thr')  # fmt: skip

    def __init__(
        self,
        jitter_prob: float = 0.8,
        brightness: Union[float, Tuple[float, float]] = 0.4,
        contrast: Union[float, Tuple[float, float]] = 0.4,
        saturation: Union[float, Tuple[float, float]] = 0.2,
        hue: Union[float, Tuple[float, float]] = 0.1,
        gray_prob: float = 0.2,
        gray_weights: Sequence[float] = (0.114, 0.587, 0.2989),
        blur_prob: float = 1.0,
        blur_sigma: Tuple[float, float] = (0.1, 2.0),
        solarize_prob: float = 0.0,
        solarize_thr: float = 128,
    ) -> None:
        self.jitter_prob = jitter_prob
        self.brightness = jitter_range(brightness, 'brightness')
        self.contrast = jitter_range(contrast, 'contrast')
        self.saturation = jitter_range(saturation, 'saturation')
        self.hue = jitter_range(hue, 'hue', center=0.0, bound=(-0.5, 0.5))
        self.gray_prob = gray_prob
        self.gray_weights = tuple(gray_weights)
        self.blur_prob = blur_prob
        self.blur_sigma = tuple(blur_sigma)
        if not 0 < self.blur_sigma[0] <= self.blur_sigma[1]:
            raise ValueError(f'blur_sigma must be (min, max) with min > 0, got {blur_sigma}')
        self.solarize_prob = solarize_prob
        self.solarize_thr = solarize_thr
