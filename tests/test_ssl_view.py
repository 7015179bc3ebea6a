"""FastSSLView draws mmpretrain's augmentation parameters from the same distributions, and its
operations give mmcv / mmpretrain's pixels (pixel_exact=True) or close ones (the default)."""

import os.path as osp

import cv2
import mmcv
import numpy as np
import pytest
from conftest import ROOT
from mmengine.config import Config
from mmengine.registry import TRANSFORMS, init_default_scope
from PIL import Image
from scipy.stats import ks_2samp

import custom_modules  # noqa: F401
from custom_modules.datasets.image_io import read_image
from custom_modules.transforms import ssl_view
from custom_modules.transforms.ssl_view import FastSSLView

H, W, N = 375, 500, 3000
CFG = osp.join(ROOT, 'configs/_base_/datasets/nyu_unlabeled_2view.py')


@pytest.fixture(scope='module')
def views():
    """[(FastSSLView, [mmpretrain transforms])] for both views of the SSL config."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(CFG)
    out = []
    for fast, ref in ((cfg.view_pipeline1, cfg.mmpretrain_view_pipeline1),
                      (cfg.view_pipeline2, cfg.mmpretrain_view_pipeline2)):  # fmt: skip
        assert len(fast) == 1
        out.append((TRANSFORMS.build(fast[0]), [TRANSFORMS.build(t) for t in ref]))
    return out


def mmpretrain_params(ts):
    """Sample one view's parameters through mmpretrain's own random methods."""
    rrc, flip, apply, gray, blur, solar = ts
    top, left, h, w = rrc.rand_crop_params(np.empty((H, W, 1), np.uint8))
    flipped = flip._choose_direction() is not None
    jitter = None
    if apply.random_apply():
        order, *factors = apply.transforms.transforms[0]._rand_params()
        jitter = [(('brightness', 'contrast', 'saturation', 'hue')[i], factors[i]) for i in order]
    grayed = gray._random_prob() < gray.prob
    sigma = None if blur.random_disable() else blur.random_magnitude()
    return dict(crop=(top, left, h, w), flip=flipped, jitter=jitter, gray=grayed, blur=sigma,
                solarize=not solar.random_disable())  # fmt: skip


def summary(params):
    """Per-parameter samples: continuous values and event indicators."""
    s = {k: [] for k in ('area', 'log_ratio', 'cy', 'cx', 'flip', 'jitter', 'first_op',
                         'brightness', 'contrast', 'saturation', 'hue', 'gray', 'blur',
                         'sigma', 'solarize')}  # fmt: skip
    for p in params:
        top, left, h, w = p['crop']
        s['area'].append(h * w / (H * W))
        s['log_ratio'].append(np.log(w / h))
        s['cy'].append((top + h / 2) / H)
        s['cx'].append((left + w / 2) / W)
        s['flip'].append(p['flip'])
        s['jitter'].append(p['jitter'] is not None)
        if p['jitter'] is not None:
            s['first_op'].append(['brightness', 'contrast', 'saturation', 'hue'].index(
                p['jitter'][0][0]))  # fmt: skip
            for name, f in p['jitter']:
                s[name].append(f)
        s['gray'].append(p['gray'])
        s['blur'].append(p['blur'] is not None)
        if p['blur'] is not None:
            s['sigma'].append(p['blur'])
        s['solarize'].append(p['solarize'])
    return {k: np.asarray(v, dtype=np.float64) for k, v in s.items()}


@pytest.mark.parametrize('view', [0, 1])
def test_parameter_distributions_match_mmpretrain(views, view):
    fast, ref = views[view]
    np.random.seed(0)
    ours = summary([fast.sample_params(H, W) for _ in range(N)])
    np.random.seed(1)
    theirs = summary([mmpretrain_params(ref) for _ in range(N)])
    for key in ('area', 'log_ratio', 'cy', 'cx', 'brightness', 'contrast', 'saturation', 'hue',
                'sigma', 'first_op'):  # fmt: skip
        a, b = ours[key], theirs[key]
        assert (len(a) > 0) == (len(b) > 0), key
        if len(a) == 0:
            continue
        assert ks_2samp(a, b).pvalue > 1e-3, key  # fixed seeds: deterministic
        if key in ('area', 'brightness', 'contrast', 'saturation', 'hue', 'sigma'):  # uniform
            lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
            assert a.min() - lo < 0.02 * (hi - lo) and hi - a.max() < 0.02 * (hi - lo), key
    for key in ('flip', 'jitter', 'gray', 'blur', 'solarize'):
        p, q = ours[key].mean(), theirs[key].mean()
        sd = np.sqrt(max(q * (1 - q), 1e-4) * 2 / N)
        assert abs(p - q) < 4 * sd + 1e-9, (key, p, q)
    # the declared ranges themselves, exactly
    rrc, _, apply, gray, blur, solar = ref
    cj = apply.transforms.transforms[0]
    assert fast.crop_ratio_range == rrc.crop_ratio_range == (0.4, 1.0)
    assert fast.aspect_ratio_range == tuple(rrc.aspect_ratio_range)
    assert (fast.brightness, fast.contrast, fast.saturation, fast.hue) == (
        cj.brightness, cj.contrast, cj.saturation, cj.hue)  # fmt: skip
    assert (fast.jitter_prob, fast.gray_prob, fast.blur_prob, fast.solarize_prob) == (
        apply.prob, gray.prob, blur.prob, solar.prob)  # fmt: skip
    assert fast.blur_sigma == tuple(blur.magnitude_range) and blur.magnitude_std == 'inf'
    assert fast.gray_weights == tuple(gray.channel_weights) and fast.solarize_thr == solar.thr


@pytest.fixture(scope='module')
def photo():
    from sklearn.datasets import load_sample_images

    rgb = load_sample_images().images[0][:H, :W]
    return np.ascontiguousarray(rgb[..., ::-1])  # BGR, as LoadImageChecked gives


def rgb_pil(bgr):
    return Image.fromarray(np.ascontiguousarray(bgr[..., ::-1]))


def bgr(pil):
    return np.asarray(pil)[..., ::-1]


def test_each_op_gives_mmcv_pixels(photo):
    init_default_scope('mmpretrain')
    crop = (20, 35, 300, 260)
    img = mmcv.imcrop(photo, np.array([35, 20, 35 + 260 - 1, 20 + 300 - 1]))
    img = mmcv.imresize(img, (224, 224), interpolation='bicubic', backend='pillow')
    view = ssl_view.crop_resize(rgb_pil(photo), crop, (224, 224), 'bicubic')
    assert (bgr(view) == img).all()
    pil = rgb_pil(img)
    for ours, theirs, factors in (
        (ssl_view.adjust_brightness, mmcv.adjust_brightness, (0.6, 0.93, 1.37)),
        (ssl_view.adjust_contrast, mmcv.adjust_contrast, (0.61, 1.0, 1.4)),
        (ssl_view.adjust_saturation, lambda i, f, backend: mmcv.adjust_color(i, f, backend=backend),
         (0.8, 1.19)),
        (ssl_view.adjust_hue, mmcv.adjust_hue, (-0.1, -0.04, -0.001, 0.0, 0.05, 0.1)),
    ):  # fmt: skip
        for f in factors:
            assert (bgr(ours(pil, f)) == theirs(img, f, backend='pillow')).all(), (ours, f)
    gray = TRANSFORMS.build(dict(type='RandomGrayscale', prob=1.0, keep_channels=True,
                                 channel_weights=(0.114, 0.587, 0.2989)))  # fmt: skip
    ref = gray(dict(img=img.copy()))['img']
    assert (bgr(ssl_view.grayscale(pil, (0.114, 0.587, 0.2989))) == ref).all()
    for r in (0.1, 0.77, 2.0):
        blur = TRANSFORMS.build(dict(type='GaussianBlur', radius=r, prob=1.0))
        assert (bgr(ssl_view.gaussian_blur(pil, r)) == blur(dict(img=img.copy()))['img']).all()
    assert (bgr(ssl_view.solarize(pil, 128)) == mmcv.solarize(img, 128)).all()


def mmcv_chain(img, p, t):
    """One view with mmcv / mmpretrain's functions and the given parameters."""
    top, left, h, w = p['crop']
    img = mmcv.imcrop(img, np.array([left, top, left + w - 1, top + h - 1]))
    img = mmcv.imresize(img, t.scale[::-1], interpolation='bicubic', backend='pillow')
    if p['flip']:
        img = mmcv.imflip(img)
    fns = dict(brightness=mmcv.adjust_brightness, contrast=mmcv.adjust_contrast,
               saturation=lambda i, f, backend: mmcv.adjust_color(i, f, backend=backend),
               hue=mmcv.adjust_hue)  # fmt: skip
    for name, f in p['jitter'] or ():
        img = fns[name](img, f, backend='pillow')
    if p['gray']:
        w_ = np.array(t.gray_weights) / sum(t.gray_weights)
        img = np.dstack([(w_ * img).sum(axis=2).astype('uint8')] * 3)
    if p['blur'] is not None:
        img = np.array(Image.fromarray(img).filter(ssl_view.ImageFilter.GaussianBlur(p['blur'])))
    if p['solarize']:
        img = mmcv.solarize(img, t.solarize_thr)
    return img


def test_whole_view_matches_mmcv(photo):
    exact = FastSSLView(crop_ratio_range=(0.4, 1.0), blur_prob=0.5, solarize_prob=0.5,
                        pixel_exact=True)  # fmt: skip
    approx = FastSSLView(crop_ratio_range=(0.4, 1.0), blur_prob=0.5, solarize_prob=0.5)
    np.random.seed(5)
    diffs = []
    for _ in range(12):
        p = exact.sample_params(H, W)
        ref = mmcv_chain(photo, p, exact)
        assert (exact.apply(photo, p) == ref).all(), p
        out = approx.apply(photo, p)
        assert out.shape == (224, 224, 3) and out.dtype == np.uint8 and out.flags.c_contiguous
        diffs.append(np.abs(out.astype(int) - ref).mean())
    # the default's OpenCV resize / blur / hue differ by a level or two on a photograph
    assert np.mean(diffs) < 3.0 and max(diffs) < 6.0, diffs


def test_transform_and_config_pipeline(tmp_path, photo):
    init_default_scope('mmpretrain')
    t = FastSSLView(scale=(64, 96))
    out = t(dict(img=photo.copy()))
    assert out['img'].shape == out['img_shape'] == (64, 96, 3)
    assert out['img'].dtype == np.uint8 and out['flip_direction'] in ('horizontal', None)
    from mmengine.dataset import Compose

    path = str(tmp_path / '1.PNG')
    Image.fromarray(photo[..., ::-1]).save(path)
    data = Compose(Config.fromfile(CFG).train_pipeline)(dict(img_path=path))
    assert [tuple(v.shape) for v in data['inputs']] == [(3, 224, 224)] * 2
    assert all(v.dtype.is_floating_point is False for v in data['inputs'])


def test_spng_decoder_gives_pillows_pixels(tmp_path, photo):
    path = str(tmp_path / '2.PNG')
    Image.fromarray(photo[..., ::-1]).save(path)
    a, _ = read_image(path)
    b, notes = read_image(path, png_decoder='spng')
    assert (a == b).all() and notes == [] and b.flags.c_contiguous
    gray = str(tmp_path / '3.png')  # not 8-bit RGB: Pillow decodes it and names the conversion
    Image.fromarray(cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)).save(gray)
    img, notes = read_image(gray, png_decoder='spng')
    assert img.shape == (H, W, 3) and notes
