"""Device-side SSL augmentation: the colour steps of mmpretrain's BYOL / Barlow Twins views,
batched in the data preprocessor.

The dataloader workers do decode, random resized crop and flip (``SSLCropFlip``, uint8); the
preprocessor then applies, to each view of the whole batch at once and with parameters of its
own for every image, what mmpretrain's view pipeline applies after the flip::

    RandomApply([ColorJitter(brightness, contrast, saturation, hue)], prob=jitter_prob)
    RandomGrayscale(prob=gray_prob, keep_channels=True, channel_weights=gray_weights)
    GaussianBlur(magnitude_range=blur_sigma, magnitude_std='inf', prob=blur_prob)
    Solarize(thr=solarize_thr, prob=solarize_prob)

as torch ops on float RGB images in [0, 255], on the device the model is on (the GPU when
there is one). The parameters come from the same distributions as mmpretrain's (tested with
KS tests against its own random methods). For the same parameters, brightness, contrast,
saturation and grayscale are within 1.5 grey levels of mmcv's ops (PIL rounds to uint8 after
every op, these do not), solarize is equal, the hue shift within PIL's own 8-bit HSV round-trip
error (up to 4 levels on a photograph), and the blur is FastSSLView's true Gaussian (OpenCV's
within 1.5 levels; a level on average from mmpretrain's, PIL's box-blur approximation of the
same sigma). tests/test_ssl_view.py checks each bound.
"""

from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dist import get_rank
from mmpretrain.models.utils.data_preprocessor import SelfSupDataPreprocessor
from mmpretrain.registry import MODELS
from torch import Tensor

from ..engine.precision import fp32
from ..view_params import ColourParams

JITTER_OPS = ('brightness', 'contrast', 'saturation', 'hue')
_LUMA = (0.299, 0.587, 0.114)  # PIL's RGB -> 'L', which ImageEnhance's Contrast and Color use


def _per_image(f: Tensor) -> Tensor:
    return f.reshape(-1, 1, 1, 1)


def luma(x: Tensor) -> Tensor:
    """PIL's ``convert('L')`` of (N, 3, H, W) RGB images, unrounded: (N, 1, H, W)."""
    return (x[:, 0:1] * _LUMA[0]).add_(x[:, 1:2], alpha=_LUMA[1]).add_(x[:, 2:3], alpha=_LUMA[2])


def adjust_brightness(x: Tensor, factor: Tensor) -> Tensor:
    """``mmcv.adjust_brightness(backend='pillow')``: ``x * factor``, clipped.

    Args:
        x (Tensor): (N, 3, H, W) float RGB in [0, 255]. factor (Tensor): (N,), one per image.
    """
    return (x * _per_image(factor)).clamp_(0, 255)


def adjust_contrast(x: Tensor, factor: Tensor) -> Tensor:
    """``mmcv.adjust_contrast(backend='pillow')``: a blend with the image's mean grey level."""
    mean = luma(x).mean(dim=(1, 2, 3), keepdim=True)
    return torch.lerp(mean.expand_as(x), x, _per_image(factor)).clamp_(0, 255)


def adjust_saturation(x: Tensor, factor: Tensor) -> Tensor:
    """``mmcv.adjust_color(backend='pillow')``: a blend with the image's grey version."""
    return torch.lerp(luma(x).expand_as(x), x, _per_image(factor)).clamp_(0, 255)


def adjust_hue(x: Tensor, factor: Tensor) -> Tensor:
    """``mmcv.adjust_hue(backend='pillow')``: hue rotated by ``trunc(255 * factor)`` steps of
    1/255 of the circle (PIL's 8-bit HSV), saturation and value kept, in float HSV.

    Args:
        x (Tensor): (N, 3, H, W) float RGB in [0, 255]. factor (Tensor): (N,) in [-0.5, 0.5].
    """
    maxc, minc = x.amax(dim=1), x.amin(dim=1)
    chroma = maxc - minc  # V * S
    r, g, b = x.unbind(dim=1)
    d = torch.where(chroma > 0, chroma, torch.ones_like(chroma))
    h = torch.where(
        maxc == r, (g - b) / d, torch.where(maxc == g, 2 + (b - r) / d, 4 + (r - g) / d)
    )
    shift = torch.trunc(factor * 255) / 255
    h6 = torch.remainder(h + 6 * shift.reshape(-1, 1, 1), 6)  # hue in sextants, [0, 6)
    # HSV -> RGB: channel n is V - V S clamp(min(k, 4 - k), 0, 1), k = (n + h6) mod 6
    out = []
    for n in (5.0, 3.0, 1.0):
        k = torch.remainder(h6 + n, 6)
        out.append(maxc - chroma * torch.minimum(k, 4 - k).clamp_(0, 1))
    return torch.stack(out, dim=1)


def grayscale(x: Tensor, weights_bgr: Sequence[float]) -> Tensor:
    """mmpretrain ``RandomGrayscale(keep_channels=True, channel_weights=weights_bgr)`` (weights
    of B, G, R, normalised; the same grey level in all three channels), unrounded."""
    wb, wg, wr = (float(w) / sum(weights_bgr) for w in weights_bgr)
    gray = (x[:, 0:1] * wr).add_(x[:, 1:2], alpha=wg).add_(x[:, 2:3], alpha=wb)
    return gray.expand_as(x)


def blur_radius(sigma: float) -> int:
    """OpenCV's Gaussian kernel radius for an 8-bit image, ``(round(6 sigma + 1) | 1) // 2``
    (``cv2.GaussianBlur(img, (0, 0), sigma)``, FastSSLView's blur)."""
    return (int(np.rint(6 * sigma + 1)) | 1) // 2


def gaussian_blur(x: Tensor, sigma: Tensor) -> Tensor:
    """A Gaussian blur of standard deviation ``sigma[i]`` on image i: OpenCV's kernel (sampled,
    normalised, :func:`blur_radius`) and border (reflect-101), as FastSSLView's default;
    mmpretrain's ``GaussianBlur`` is PIL's box-blur approximation of the same sigma.

    Args:
        x (Tensor): (N, C, H, W) float. sigma (Tensor): (N,) on the CPU.

    Returns:
        Tensor: (N, C, H, W), one separable grouped convolution for the whole batch.
    """
    n, c, h, w = x.shape
    radii = torch.tensor([blur_radius(float(s)) for s in sigma])
    big = int(radii.max())
    k = torch.arange(-big, big + 1, dtype=torch.float64)
    kernel = torch.exp(-(k**2) / (2 * sigma.double().reshape(-1, 1) ** 2))
    kernel = kernel * (k.abs() <= radii.reshape(-1, 1))
    kernel = (kernel / kernel.sum(dim=1, keepdim=True)).to(x)
    kernel = kernel.repeat_interleave(c, dim=0)  # one per channel of every image
    y = F.pad(x.reshape(1, n * c, h, w), (big, big, big, big), mode='reflect')
    y = F.conv2d(y, kernel.reshape(n * c, 1, 1, -1), groups=n * c)
    y = F.conv2d(y, kernel.reshape(n * c, 1, -1, 1), groups=n * c)
    return y.reshape(n, c, h, w)


def solarize(x: Tensor, thr: float) -> Tensor:
    """``mmcv.solarize``: values >= thr become 255 - value."""
    return torch.where(x >= thr, 255 - x, x)


_JITTER_FNS = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)


class ViewAugment(ColourParams):
    """One view's colour augmentation, batched: its settings (``ColourParams``: the arguments,
    defaults and checks of ``FastSSLView``'s colour half, mmpretrain's view 1 of BYOL / Barlow
    Twins), its random parameters per image and their application to a batch.
    """

    def sample_params(self, n: int, generator: Optional[torch.Generator] = None) -> dict:
        """Draw the parameters of ``n`` images, independently per image, as mmpretrain's
        transforms draw them for one image (probabilities compared with one uniform draw each,
        the jitter order a uniform permutation, factors and sigma uniform).

        Returns:
            dict: CPU tensors, one row per image: ``jitter`` (N,) bool; ``order`` (N, 4) the
            index into ``JITTER_OPS`` applied at each step; ``factors`` (N, 4) float64, the
            factor of each op of ``JITTER_OPS`` (NaN where its range is None); ``gray``,
            ``blur``, ``solarize`` (N,) bool; ``sigma`` (N,) float64.
        """
        u = torch.rand(n, 13, generator=generator, dtype=torch.float64)
        factors = torch.full((n, 4), float('nan'), dtype=torch.float64)
        ranges = (self.brightness, self.contrast, self.saturation, self.hue)
        for i, rng in enumerate(ranges):
            if rng is not None:
                factors[:, i] = rng[0] + (rng[1] - rng[0]) * u[:, 5 + i]
        lo, hi = self.blur_sigma
        return dict(
            jitter=u[:, 0] < self.jitter_prob,
            order=torch.argsort(u[:, 1:5], dim=1),
            factors=factors,
            gray=u[:, 9] < self.gray_prob,
            blur=u[:, 10] < self.blur_prob,
            sigma=lo + (hi - lo) * u[:, 11],
            solarize=u[:, 12] < self.solarize_prob,
        )

    @fp32  # the preprocessor runs inside the optimiser wrapper's autocast: not in bf16
    def apply(self, x: Tensor, params: dict) -> Tensor:
        """Augment (N, 3, H, W) float RGB images in [0, 255] with ``params``
        (:meth:`sample_params`), each op on the images it is drawn for; ``x`` is overwritten.

        Returns:
            Tensor: (N, 3, H, W) float RGB in [0, 255], on ``x``'s device.
        """

        def chosen(mask):
            idx = torch.nonzero(mask)[:, 0]
            return idx, idx.to(x.device, non_blocking=True)

        jitter, order, factors = params['jitter'], params['order'], params['factors']
        for step in range(4):
            for op, fn in enumerate(_JITTER_FNS):
                idx, dev = chosen(jitter & (order[:, step] == op) & ~factors[:, op].isnan())
                if len(idx):
                    x[dev] = fn(x[dev], factors[idx, op].to(x.device, torch.float32))
        idx, dev = chosen(params['gray'])
        if len(idx):
            x[dev] = grayscale(x[dev], self.gray_weights)
        idx, dev = chosen(params['blur'])
        if len(idx):
            x[dev] = gaussian_blur(x[dev], params['sigma'][idx])
        idx, dev = chosen(params['solarize'])
        if len(idx):
            x[dev] = solarize(x[dev], self.solarize_thr)
        return x

    def __repr__(self) -> str:
        keys = self.COLOUR_KEYS
        return f'{type(self).__name__}(' + ', '.join(f'{k}={getattr(self, k)}' for k in keys) + ')'


def batch_generator(rank: Optional[int] = None) -> torch.Generator:
    """A CPU generator for one batch's augmentation parameters: seeded by one draw from torch's
    global generator (which mmengine seeds with ``randomness.seed`` and ``EpochSeedHook`` with
    each epoch's seed) mixed with the process's rank, so that a run is reproducible under its
    seed, resumes exactly at an epoch boundary, and ranks draw different parameters even when
    their global generators are seeded alike (``diff_rank_seed=False``)."""
    rank = get_rank() if rank is None else rank
    draw = int(torch.randint(0, 2**62, (1,)))
    seed = np.random.SeedSequence([draw, rank]).generate_state(2)
    return torch.Generator().manual_seed(int(seed[0]) << 32 | int(seed[1]))


@MODELS.register_module()
class SSLAugmentDataPreprocessor(SelfSupDataPreprocessor):
    """mmpretrain's ``SelfSupDataPreprocessor`` that also augments each view, batched.

    For the inputs of a multi-view pipeline whose workers only crop and flip
    (``SSLCropFlip``): each view (N, 3, H, W) uint8 BGR goes to the model's device, to float
    RGB, through the colour augmentation of its :class:`ViewAugment` (one per view, in view
    order, each image with its own parameters), then is normalised as
    ``SelfSupDataPreprocessor`` normalises. The parameters of a batch come from
    :func:`batch_generator`. The views are augmented with ``training`` False too: they are the
    SSL input (``SSLDiagnosticsHook`` and ``tools/vis_cross_correlation.py`` embed augmented
    pairs that way). ``data_samples`` (``view_boxes`` included) pass through unchanged.

    With ``view_augments=None`` it is ``SelfSupDataPreprocessor`` (the views come augmented from
    the workers, e.g. by ``FastSSLView``): same output, bit for bit.

    Args:
        view_augments (list[dict] | None): :class:`ViewAugment` arguments, one dict per view.
        **kwargs: ``SelfSupDataPreprocessor``'s (``mean``, ``std``, ``to_rgb``, ...); with
            ``view_augments``, the inputs must be BGR and ``to_rgb`` (or ``bgr_to_rgb``) True.
    """

    def __init__(self, view_augments: Optional[List[dict]] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view_augments = None
        if view_augments is not None:
            if not self._channel_conversion or kwargs.get('rgb_to_bgr'):
                raise ValueError('view_augments works on BGR inputs: set to_rgb=True')
            self.view_augments = [ViewAugment(**v) for v in view_augments]

    def forward(self, data: dict, training: bool = False) -> dict:
        """Returns: dict: ``inputs`` (list of (N, 3, H, W) float32, one per view, normalised
        RGB) and ``data_samples``."""
        if self.view_augments is None:
            return super().forward(data, training)
        data = self.cast_data(data)
        views, samples = data['inputs'], data.get('data_samples')
        if not isinstance(views, list) or len(views) != len(self.view_augments):
            raise ValueError(
                f'{type(self).__name__} has {len(self.view_augments)} view_augments and got '
                f'{len(views) if isinstance(views, list) else "one tensor, not a list of"} views'
            )
        generator = batch_generator()
        out = []
        for view, augment in zip(views, self.view_augments):
            x = view[:, [2, 1, 0]].float()
            x = augment.apply(x, augment.sample_params(len(x), generator))
            if self._enable_normalize:
                x = (x - self.mean) / self.std
            out.append(x)
        return {'inputs': out, 'data_samples': samples}
