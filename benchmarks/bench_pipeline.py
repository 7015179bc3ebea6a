"""mmpretrain's Barlow Twins two-view pipeline against ours, per core, in one run: images/s and
CPU-seconds per sample.

    python benchmarks/bench_pipeline.py [--images 40] [--rounds 3] [--size 500x375] [--exact]

Every pipeline starts from a PNG path (decode included, as the NYU unlabeled set is PNG) and
ends with ``PackInputs``, at 224 px, with the crop scale (0.4, 1.0) of our config; a sample is
one image made into two views:

* mmpretrain: its default Barlow Twins pipeline (``_base_/datasets/imagenet_bs32_byol.py``:
  ``LoadImageFromFile`` (OpenCV decode) + ``MultiView`` of its two view pipelines);
* checked: the same views after our ``LoadImageChecked`` (Pillow decode), i.e.
  ``mmpretrain_train_pipeline`` of ``configs/_base_/datasets/nyu_unlabeled_2view.py``;
* ours: that config's ``cpu_train_pipeline`` (``LoadImageChecked(png_decoder='spng')`` + two
  ``FastSSLView``), which the demo configs use;
* device-side: that config's ``train_pipeline``, the workers' part of the device-side split
  (``LoadImageChecked(png_decoder='spng')`` + two ``SSLCropFlip``: decode, crop, flip), which the
  full-scale configs use; the rest of the augmentation is its ``data_preprocessor``
  (``SSLAugmentDataPreprocessor``), timed separately on a batch of all the samples on the CPU
  (on a GPU it runs there, and costs the workers nothing);
* packed: the device-side workers reading the images from their packed, already-decoded copy
  (``tools/pack_unlabeled.py``; the config's ``packed_dataset``: ``PackedUnlabeledImageDataset``
  + the same two ``SSLCropFlip``), no decode at all; the pack is made from the PNGs first, and
  ``pack read`` is that dataset alone (one image copied out of the memory map);
* exact (with ``--exact``): ours with ``pixel_exact=True`` (Pillow resize, blur and hue: the
  same pixels as mmpretrain's for the same parameters);
* decode: ``LoadImageChecked(png_decoder='spng')`` alone, the floor of every pipeline from PNG.

The images are scikit-learn's two sample photographs cut to ``--size`` and saved as PNG. One
thread (torch, OpenCV, OpenMP); rounds alternate between the pipelines and the best round of
each counts, in wall time (images/s) and in process CPU time (ms per sample); the pack is read
from the page cache, as the PNGs are. The last lines are ``pipeline speedup X.Xx`` (ours over
mmpretrain, images/s), ``cpu per sample: mmpretrain / device-side from PNG X.Xx`` (the
device-side workers' part, decoding the PNGs) and ``cpu per sample: mmpretrain / device-side
X.Xx`` (the same workers reading the pack).
"""

import os

os.environ.setdefault('OMP_NUM_THREADS', '1')

import argparse
import copy
import os.path as osp
import tempfile
import time
import warnings

import cv2
import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CFG = osp.join(ROOT, 'configs/_base_/datasets/nyu_unlabeled_2view.py')


def make_pngs(folder, n, width, height):
    """n PNG photographs (crops of scikit-learn's sample images) of width x height."""
    from PIL import Image
    from sklearn.datasets import load_sample_images

    photos = load_sample_images().images
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        photo = photos[i % len(photos)]
        ph, pw = photo.shape[:2]
        if ph < height or pw < width:
            photo = cv2.resize(photo, (max(pw, width), max(ph, height)))
            ph, pw = photo.shape[:2]
        y, x = rng.integers(0, ph - height + 1), rng.integers(0, pw - width + 1)
        path = osp.join(folder, f'{i + 1}.PNG')
        Image.fromarray(photo[y : y + height, x : x + width]).save(path)
        paths.append(path)
    return paths


def build(name, cfg, folder, paths):
    """A function of a sample's index that runs pipeline ``name`` on it."""
    if name in ('packed', 'packread'):
        from custom_modules.datasets import PackedUnlabeledImageDataset

        pipeline = cfg.packed_dataset.pipeline if name == 'packed' else []
        return PackedUnlabeledImageDataset(
            data_root=folder, data_prefix='unlabeled', pipeline=copy.deepcopy(pipeline)
        ).prepare_data
    pipeline = build_png(name, cfg)
    return lambda i: pipeline(dict(img_path=paths[i]))


def build_png(name, cfg):
    from mmengine.dataset import Compose

    if name == 'decode':
        return Compose(copy.deepcopy(cfg.train_pipeline[:1]))
    if name == 'device':
        return Compose(copy.deepcopy(cfg.train_pipeline))
    if name in ('ours', 'exact'):
        pipeline = copy.deepcopy(cfg.cpu_train_pipeline)
        for view in pipeline[1]['transforms']:
            view[0]['pixel_exact'] = name == 'exact'
        return Compose(pipeline)
    pipeline = copy.deepcopy(cfg.mmpretrain_train_pipeline)
    if name == 'mmpretrain':
        pipeline[0] = dict(type='LoadImageFromFile')
    return Compose(pipeline)


def time_round(name, run, n):
    """(images/s in wall time, CPU seconds per sample) of one pass over samples 0..n-1."""
    t, c = time.perf_counter(), time.process_time()
    for i in range(n):
        out = run(i)
        if name not in ('decode', 'packread'):
            assert [tuple(v.shape) for v in out['inputs']] == [(3, 224, 224)] * 2
    return n / (time.perf_counter() - t), (time.process_time() - c) / n


def time_preprocessor(cfg, run, n, rounds):
    """CPU seconds per sample of the device-side data preprocessor on one batch of the
    samples 0..n-1 of ``run``, on the CPU (best of ``rounds``)."""
    from mmengine.dataset import default_collate
    from mmpretrain.registry import MODELS

    pre = MODELS.build(copy.deepcopy(cfg.data_preprocessor))
    batch = default_collate([run(i) for i in range(n)])
    torch.manual_seed(0)
    pre(batch, True)  # warm-up
    best = float('inf')
    for _ in range(rounds):
        c = time.process_time()
        out = pre(batch, True)
        best = min(best, (time.process_time() - c) / n)
    assert [tuple(v.shape) for v in out['inputs']] == [(n, 3, 224, 224)] * 2
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--images', type=int, default=40)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--size', default='500x375', help='WxH of the PNGs')
    parser.add_argument('--exact', action='store_true', help='also time pixel_exact=True')
    args = parser.parse_args()
    width, height = map(int, args.size.split('x'))
    warnings.filterwarnings('ignore')
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import custom_modules  # noqa: F401
    from custom_modules.datasets import list_images, write_pack

    init_default_scope('mmpretrain')
    cfg = Config.fromfile(CFG)
    with tempfile.TemporaryDirectory() as folder:
        img_dir = osp.join(folder, 'unlabeled')
        os.makedirs(img_dir)
        paths = make_pngs(img_dir, args.images, width, height)
        n = len(paths)
        size = sum(os.path.getsize(p) for p in paths) / n / 1024
        print(f'{n} PNGs of {width}x{height} ({size:.0f} KiB each), 224 px, 1 thread')
        packed = write_pack(img_dir, list_images(img_dir), img_dir + '.packed', workers=1)
        print(f'packed: {packed["pixel_bytes"] / n / 1024:.0f} KiB an image '
              f'({packed["pixel_bytes"] / packed["source_bytes"]:.1f}x the PNGs)')  # fmt: skip
        names = ('mmpretrain', 'checked', 'ours', 'device', 'packed', 'decode', 'packread')
        names += ('exact',) if args.exact else ()
        pipes = {name: build(name, cfg, folder, paths) for name in names}
        for name, p in pipes.items():
            time_round(name, p, 2)  # warm-up
        best = dict.fromkeys(pipes, 0.0)
        cpu = dict.fromkeys(pipes, float('inf'))
        for r in range(args.rounds):
            for name, p in pipes.items():
                rate, sec = time_round(name, p, n)
                best[name], cpu[name] = max(best[name], rate), min(cpu[name], sec)
            print(f'round {r + 1} (best so far, img/s): '
                  + ', '.join(f'{k} {v:.1f}' for k, v in best.items()), flush=True)  # fmt: skip
        pre = time_preprocessor(cfg, pipes['device'], n, args.rounds)
    rows = [
        ('PNG decode alone (LoadImageChecked, spng)', 'decode'),
        ('pack read alone (PackedUnlabeledImageDataset)', 'packread'),
        ('mmpretrain default (LoadImageFromFile + views)', 'mmpretrain'),
        ('LoadImageChecked + mmpretrain views', 'checked'),
        ('ours (spng + FastSSLView)', 'ours'),
    ]
    rows += [('ours, pixel_exact=True', 'exact')] if args.exact else []
    rows += [('device-side, workers (spng + SSLCropFlip)', 'device')]
    rows += [('device-side, workers, packed (pack + SSLCropFlip)', 'packed')]
    print(f'{"CPU per sample (two views), 1 thread":50s} {"ms":>7s} {"x decode":>9s}')
    for label, name in rows:
        print(f'{label:50s} {cpu[name] * 1e3:7.2f} {cpu[name] / cpu["decode"]:8.1f}x')
    label = 'device-side, preprocessor on the CPU (no GPU)'
    print(f'{label:50s} {pre * 1e3:7.2f} {pre / cpu["decode"]:8.1f}x   (batch of {n})')
    print(f'mmpretrain default (LoadImageFromFile + views): {best["mmpretrain"]:.1f} images/s/core')
    print(f'LoadImageChecked + mmpretrain views:            {best["checked"]:.1f} images/s/core')
    print(f'ours (spng + FastSSLView):                      {best["ours"]:.1f} images/s/core')
    print(f'device-side, workers (spng + SSLCropFlip):      {best["device"]:.1f} images/s/core')
    print(f'device-side, workers, packed:                   {best["packed"]:.1f} images/s/core')
    if args.exact:
        print(f'ours, pixel_exact=True:                         {best["exact"]:.1f} images/s/core')
        print(f'pixel_exact=True vs mmpretrain default: {best["exact"] / best["mmpretrain"]:.1f}x')
    print(f'vs LoadImageChecked + mmpretrain views: {best["ours"] / best["checked"]:.1f}x')
    print(f'pipeline speedup {best["ours"] / best["mmpretrain"]:.1f}x')
    both = cpu['device'] + pre
    print(f'cpu per sample: mmpretrain / FastSSLView {cpu["mmpretrain"] / cpu["ours"]:.1f}x')
    print(f'cpu per sample: mmpretrain / device-side with its preprocessor on the CPU '
          f'{cpu["mmpretrain"] / both:.1f}x')  # fmt: skip
    print(f'cpu per sample: mmpretrain / device-side from PNG '
          f'{cpu["mmpretrain"] / cpu["device"]:.1f}x')  # fmt: skip
    # the device-side workers as the packed_dataset switch runs them (tools/pack_unlabeled.py)
    print(f'cpu per sample: mmpretrain / device-side {cpu["mmpretrain"] / cpu["packed"]:.1f}x')


if __name__ == '__main__':
    main()
