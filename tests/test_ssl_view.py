"""FastSSLView draws mmpretrain's augmentation parameters from the same distributions, and its
operations give mmcv / mmpretrain's pixels (pixel_exact=True) or close ones (the default). The
same for the device-side split (SSLCropFlip in the workers, the colour steps batched in
SSLAugmentDataPreprocessor), and the configs' switch between the two."""

import glob
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
from custom_modules.transforms.ssl_view import FastSSLView, SSLCropFlip

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


@pytest.fixture(scope='module')
def mmpretrain_samples(views):
    """N draws of each view's parameters by mmpretrain's own random methods, summarised."""
    out = []
    for _, ref in views:
        np.random.seed(1)
        out.append(summary([mmpretrain_params(ref) for _ in range(N)]))
    return out


def assert_same_distributions(ours, theirs):
    """KS tests on the continuous parameters and the op order, the range's ends reached, and
    the event rates within 4 standard deviations."""
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


@pytest.mark.parametrize('view', [0, 1])
def test_parameter_distributions_match_mmpretrain(views, mmpretrain_samples, view):
    fast, ref = views[view]
    np.random.seed(0)
    assert_same_distributions(
        summary([fast.sample_params(H, W) for _ in range(N)]), mmpretrain_samples[view]
    )
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

    # the device-side split's worker part: mmpretrain's crop, bicubic resize and flip (torch's
    # antialiased bicubic is PIL's filter; PIL rounds between its two passes)
    np.random.seed(3)
    diffs = []
    for scale in ((64, 96), (224, 224), (400, 400)):  # down and up
        out = SSLCropFlip(scale=scale, crop_ratio_range=(0.4, 1.0))(dict(img=photo.copy()))
        top, left, h, w, flipped = out['view_box']
        ref = mmcv.imresize(mmcv.imcrop(photo, np.array([left, top, left + w - 1, top + h - 1])),
                            scale[::-1], interpolation='bicubic', backend='pillow')  # fmt: skip
        diffs.append(np.abs(out['img'].astype(int) - (ref[:, ::-1] if flipped else ref)))
        assert out['img'].shape == (*scale, 3) and out['flip'] == bool(flipped)
    assert max(d.mean() for d in diffs) < 0.1 and max(d.max() for d in diffs) <= 8, diffs
    path = str(tmp_path / '1.PNG')
    Image.fromarray(photo[..., ::-1]).save(path)
    cfg = Config.fromfile(CFG)
    for pipeline in (cfg.train_pipeline, cfg.cpu_train_pipeline):  # device-side, CPU views
        data = Compose(pipeline)(dict(img_path=path))
        assert [tuple(v.shape) for v in data['inputs']] == [(3, 224, 224)] * 2
        assert all(v.dtype.is_floating_point is False for v in data['inputs'])
        assert len(data['data_samples'].view_boxes) == 2


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


# ---- device-side augmentation: SSLCropFlip in the workers, the colour steps in the data
# preprocessor (custom_modules/models/ssl_augment.py), batched, per image ----------------------
@pytest.fixture(scope='module')
def device_views():
    """[(SSLCropFlip, ViewAugment)] for both views of the SSL config's device-side split."""
    from custom_modules.models.ssl_augment import ViewAugment

    init_default_scope('mmpretrain')
    cfg = Config.fromfile(CFG)
    (crop,) = cfg.train_pipeline[1].transforms[0]
    assert cfg.train_pipeline[1].transforms == [[crop], [crop]] and crop.type == 'SSLCropFlip'
    return [(TRANSFORMS.build(crop), ViewAugment(**v)) for v in cfg.view_augments]


def colour_params(p):
    """The preprocessor's parameters of a batch (ViewAugment.sample_params) as one dict per
    image, in the form of FastSSLView.sample_params (without crop and flip)."""
    from custom_modules.models.ssl_augment import JITTER_OPS

    out = []
    for i in range(len(p['jitter'])):
        jitter = None
        if p['jitter'][i]:
            jitter = [(JITTER_OPS[j], float(p['factors'][i, j])) for j in p['order'][i].tolist()]
        out.append(dict(jitter=jitter, gray=bool(p['gray'][i]),
                        blur=float(p['sigma'][i]) if p['blur'][i] else None,
                        solarize=bool(p['solarize'][i])))  # fmt: skip
    return out


@pytest.mark.parametrize('view', [0, 1])
def test_device_parameter_distributions_match_mmpretrain(
    views, device_views, mmpretrain_samples, view
):
    import torch

    crop_flip, augment = device_views[view]
    np.random.seed(2)
    geometry = [crop_flip.sample_params(H, W) for _ in range(N)]
    colour = colour_params(augment.sample_params(N, torch.Generator().manual_seed(0)))
    ours = [dict(g, **c) for g, c in zip(geometry, colour)]
    assert_same_distributions(summary(ours), mmpretrain_samples[view])
    rrc, flip, apply, gray, blur, solar = views[view][1]
    cj = apply.transforms.transforms[0]
    assert crop_flip.crop_ratio_range == rrc.crop_ratio_range == (0.4, 1.0)
    assert crop_flip.aspect_ratio_range == tuple(rrc.aspect_ratio_range)
    assert crop_flip.scale == (224, 224) and crop_flip.flip_prob == flip.prob
    assert (augment.brightness, augment.contrast, augment.saturation, augment.hue) == (
        cj.brightness, cj.contrast, cj.saturation, cj.hue)  # fmt: skip
    assert (augment.jitter_prob, augment.gray_prob, augment.blur_prob, augment.solarize_prob) == (
        apply.prob, gray.prob, blur.prob, solar.prob)  # fmt: skip
    assert augment.blur_sigma == tuple(blur.magnitude_range) and blur.magnitude_std == 'inf'
    assert augment.gray_weights == tuple(gray.channel_weights)
    assert augment.solarize_thr == solar.thr


@pytest.fixture(scope='module')
def photo_batch(photo):
    """Four different 224 px BGR views of the photo, and the same as (4, 3, H, W) float RGB."""
    import torch

    boxes = ((20, 35, 300, 260), (0, 0, 375, 500), (100, 200, 200, 250), (50, 10, 320, 400))
    imgs = [mmcv.imresize(mmcv.imcrop(photo, np.array([x, y, x + w - 1, y + h - 1])), (224, 224),
                          interpolation='bicubic', backend='pillow')
            for y, x, h, w in boxes]  # fmt: skip
    rgb = torch.from_numpy(np.stack(imgs)[..., ::-1].copy()).permute(0, 3, 1, 2).float()
    return imgs, rgb


def test_device_ops_match_mmcv_per_image(photo_batch):
    """Each op on a batch, with another parameter for every image, against mmcv's (PIL's) op
    on that image alone. PIL rounds down to uint8 after its blend, the batched ops keep floats:
    within 1.5 levels."""
    import torch

    from custom_modules.models import ssl_augment as aug

    imgs, x = photo_batch

    def check(fn, factors, ref, mean_tol, max_tol):
        out = fn(x.clone(), torch.tensor(factors))
        for i, f in enumerate(factors):
            d = np.abs(out[i].permute(1, 2, 0).numpy()[..., ::-1] - ref(imgs[i], f))
            assert d.mean() <= mean_tol and d.max() <= max_tol, (fn.__name__, f, d.mean(), d.max())

    def saturation(img, f):
        return mmcv.adjust_color(img, alpha=f, backend='pillow')

    def hue(img, f):
        return mmcv.adjust_hue(img, f, backend='pillow')

    check(aug.adjust_brightness, [0.6, 0.93, 1.0, 1.37],
          lambda i, f: mmcv.adjust_brightness(i, f, backend='pillow'), 0.7, 1.5)  # fmt: skip
    check(aug.adjust_contrast, [0.61, 1.0, 1.2, 1.4],
          lambda i, f: mmcv.adjust_contrast(i, f, backend='pillow'), 0.7, 1.5)  # fmt: skip
    check(aug.adjust_saturation, [0.8, 0.95, 1.0, 1.19], saturation, 0.7, 1.5)
    # PIL's 8-bit HSV round trip alone moves pixels by up to 4 levels here (at factor 0, where
    # the batched op is the identity)
    check(aug.adjust_hue, [-0.1, -0.04, 0.0, 0.07], hue, 0.4, 6.0)
    assert (aug.adjust_hue(x.clone(), torch.zeros(4)) - x).abs().max() < 1e-3
    ref_gray = TRANSFORMS.build(dict(type='RandomGrayscale', prob=1.0, keep_channels=True,
                                     channel_weights=(0.114, 0.587, 0.2989)))  # fmt: skip
    check(lambda t, _: aug.grayscale(t, (0.114, 0.587, 0.2989)), [0, 0, 0, 0],
          lambda i, _: ref_gray(dict(img=i.copy()))['img'], 0.7, 1.0)  # fmt: skip
    check(lambda t, _: aug.solarize(t, 128), [0, 0, 0, 0], lambda i, _: mmcv.solarize(i, 128), 0, 0)
    # the blur: OpenCV's Gaussian (FastSSLView's default) within a level; mmpretrain's
    # GaussianBlur (PIL's box-blur approximation, another border) within a level on average
    sigmas = [0.1, 0.77, 1.3, 2.0]
    check(aug.gaussian_blur, sigmas, lambda i, s: cv2.GaussianBlur(i, (0, 0), s), 0.4, 1.5)
    pil_blur = {s: TRANSFORMS.build(dict(type='GaussianBlur', radius=s, prob=1.0)) for s in sigmas}
    check(aug.gaussian_blur, sigmas, lambda i, s: pil_blur[s](dict(img=i.copy()))['img'], 1.0, 40)


def test_device_view_matches_mmpretrain_chain(device_views, photo_batch):
    """A whole view (random op order, each op on its own subset of the batch) against mmcv's
    chain with each image's parameters, a grey level or two on average."""
    import torch

    imgs, x = photo_batch
    augment = device_views[1][1]
    t = FastSSLView()  # for mmcv_chain: the scale, the grayscale weights, the threshold
    diffs = []
    for seed in range(3):
        p = augment.sample_params(4, torch.Generator().manual_seed(seed))
        p['blur'][:2], p['solarize'][2:] = True, True  # every op somewhere in the batch
        out = augment.apply(x.clone(), p).permute(0, 2, 3, 1).numpy()[..., ::-1]
        for i, q in enumerate(colour_params(p)):
            ref = mmcv_chain(imgs[i], dict(q, crop=(0, 0, 224, 224), flip=False), t)
            diffs.append(np.abs(out[i] - ref).mean())
    assert np.mean(diffs) < 2.0 and max(diffs) < 3.0, diffs  # measured: 1.1 and 1.7


def test_device_params_per_image_and_seeded():
    """Every image its own parameters; the same global seed, the same batch (in fp32 under a
    bf16 autocast too); another seed or another rank, others."""
    import torch

    from custom_modules.models import SSLAugmentDataPreprocessor
    from custom_modules.models.ssl_augment import batch_generator

    pre = SSLAugmentDataPreprocessor(
        view_augments=Config.fromfile(CFG).view_augments, mean=[0, 0, 0], std=[1, 1, 1],
        to_rgb=True,
    )  # fmt: skip
    g = torch.Generator().manual_seed(0)
    one = torch.randint(0, 256, (1, 3, 32, 32), generator=g, dtype=torch.uint8)
    data = dict(inputs=[one.expand(8, -1, -1, -1)] * 2, data_samples=None)

    def run(seed):
        torch.manual_seed(seed)
        return pre(data, True)['inputs']

    a, b, c = run(0), run(0), run(1)
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    with torch.autocast('cpu', dtype=torch.bfloat16):  # train_step preprocesses under autocast
        assert all(torch.equal(u, v) for u, v in zip(a, run(0)))
    assert not any(torch.equal(u, v) for u, v in zip(a, c))
    for view in a:  # same image, eight different augmentations (view 1 is always blurred)
        assert len({tuple(v.flatten()[:64].tolist()) for v in view}) == 8
    torch.manual_seed(0)
    r0 = batch_generator(rank=0).initial_seed()
    torch.manual_seed(0)
    assert batch_generator(rank=1).initial_seed() != r0


SSL_BASED = sorted(
    p
    for d in ('barlowtwins', 'vicreg', 'vicregl')
    for p in glob.glob(osp.join(ROOT, 'configs', d, '*.py'))
)


@pytest.mark.parametrize('path', SSL_BASED, ids=[osp.basename(p) for p in SSL_BASED])
def test_config_switch(path, photo):
    """Full-scale configs: SSLCropFlip in the workers, the colour steps in the preprocessor;
    demo configs: FastSSLView in the workers and a preprocessor that only normalises, with
    SelfSupDataPreprocessor's output bit for bit."""
    import torch
    from mmpretrain.models.utils.data_preprocessor import SelfSupDataPreprocessor
    from mmpretrain.registry import MODELS

    cfg = Config.fromfile(path)
    init_default_scope('mmpretrain')
    pre = MODELS.build(cfg.data_preprocessor)
    views = cfg.train_dataloader.dataset.pipeline[1].transforms
    kinds = {t.type for v in views for t in v}
    if path.endswith('-demo.py'):  # _nyu-demo, _coco-demo
        assert kinds == {'FastSSLView'} and pre.view_augments is None
        kwargs = {k: v for k, v in cfg.data_preprocessor.items() if k not in ('type', '_scope_')}
        del kwargs['view_augments']
        plain = SelfSupDataPreprocessor(**kwargs)
        x = torch.from_numpy(photo[:64, :64].copy()).permute(2, 0, 1)[None]
        data = dict(inputs=[x, x.flip(-1)], data_samples=None)
        assert all(map(torch.equal, pre(data, True)['inputs'], plain(data, True)['inputs']))
    else:
        assert kinds == {'SSLCropFlip'} and [v.blur_prob for v in pre.view_augments] == [1.0, 0.1]
        assert [v.solarize_prob for v in pre.view_augments] == [0.0, 0.2]


def test_switch_back_in_a_leaf(tmp_path):
    """The two lines the full-scale primitives document give the CPU views again."""
    leaf = tmp_path / 'leaf.py'
    primitive = osp.join(ROOT, 'configs/barlowtwins/barlowtwins_resnet50_8xb64-coslr-150e_nyu.py')
    leaf.write_text(
        f'_base_ = {primitive!r}\n'
        'data_preprocessor = _base_.cpu_data_preprocessor\n'
        'train_dataloader = dict(batch_size=64, dataset=dict(pipeline=_base_.cpu_train_pipeline))\n'
    )
    cfg = Config.fromfile(str(leaf))
    assert cfg.data_preprocessor.view_augments is None
    assert cfg.train_dataloader.dataset.pipeline == Config.fromfile(CFG).cpu_train_pipeline


def test_tiny_device_config_trains_a_step(demo_root):
    """One training step (preprocess, forward, backward, optimiser step) of the tiny VICRegL on
    the device-side split, from its own train pipeline; the crop boxes reach the model."""
    import torch
    from mmengine.optim import build_optim_wrapper

    from tools.lib.models import build_batches, build_model

    cfg = Config.fromfile(osp.join(ROOT, 'tests/configs/vicregl_tiny-devaug_nyu-demo.py'))
    (batch,) = build_batches(cfg, demo_root, batch_size=4)
    assert [v.dtype for v in batch['inputs']] == [torch.uint8] * 2
    torch.manual_seed(0)
    model = build_model(cfg)
    model.init_weights()
    data = model.data_preprocessor(batch, True)
    assert [v.shape for v in data['inputs']] == [(4, 3, 64, 64)] * 2
    for s in data['data_samples']:
        assert len(s.view_boxes) == 2 and all(len(b) == 5 for b in s.view_boxes)
    wrapper = build_optim_wrapper(
        model, dict(type='OptimWrapper', optimizer=cfg.optim_wrapper.optimizer)
    )
    before = [p.detach().clone() for p in model.parameters()]
    log = model.train_step(batch, wrapper)
    assert torch.isfinite(log['loss']) and 'local_inv_term' in log
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
