"""mmpretrain's Barlow Twins two-view pipeline against ours (FastSSLView), per core, in one run.

    python benchmarks/bench_pipeline.py [--images 40] [--rounds 3] [--size 500x375] [--exact]

Both pipelines start from a PNG path (decode included, as the NYU unlabeled set is PNG) and end
with ``PackInputs``, at 224 px, with the crop scale (0.4, 1.0) of our config:

* mmpretrain: its default Barlow Twins pipeline (``_base_/datasets/imagenet_bs32_byol.py``:
  ``LoadImageFromFile`` (OpenCV decode) + ``MultiView`` of its two view pipelines);
* checked: the same views after our ``LoadImageChecked`` (Pillow decode), i.e.
  ``mmpretrain_train_pipeline`` of ``configs/_base_/datasets/nyu_unlabeled_2view.py``;
* ours: that config's ``train_pipeline`` (``LoadImageChecked(png_decoder='spng')`` + two
  ``FastSSLView``), which the SSL configs use;
* exact (with ``--exact``): ours with ``pixel_exact=True`` (Pillow resize, blur and hue: the
  same pixels as mmpretrain's for the same parameters).

The images are scikit-learn's two sample photographs cut to ``--size`` and saved as PNG. One
thread (torch and OpenCV), rounds alternate between the two pipelines and the best round of
each counts. The last line is ``pipeline speedup X.Xx``.
"""

import argparse
import os
import os.path as osp
import sys
import tempfile
import time
import warnings

import cv2
import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


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


def build(name):
    import copy

    from mmengine.config import Config
    from mmengine.dataset import Compose

    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets/nyu_unlabeled_2view.py'))
    if name in ('ours', 'exact'):
        pipeline = copy.deepcopy(cfg.train_pipeline)
        for view in pipeline[1]['transforms']:
            view[0]['pixel_exact'] = name == 'exact'
        return Compose(pipeline)
    pipeline = copy.deepcopy(cfg.mmpretrain_train_pipeline)
    if name == 'mmpretrain':
        pipeline[0] = dict(type='LoadImageFromFile')
    return Compose(pipeline)


def time_round(pipeline, paths):
    t = time.perf_counter()
    for path in paths:
        out = pipeline(dict(img_path=path))
        assert [tuple(v.shape) for v in out['inputs']] == [(3, 224, 224)] * 2
    return len(paths) / (time.perf_counter() - t)


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
    from mmengine.registry import init_default_scope

    import custom_modules  # noqa: F401

    init_default_scope('mmpretrain')
    with tempfile.TemporaryDirectory() as folder:
        paths = make_pngs(folder, args.images, width, height)
        size = sum(os.path.getsize(p) for p in paths) / len(paths) / 1024
        print(f'{len(paths)} PNGs of {width}x{height} ({size:.0f} KiB each), 224 px, 1 thread')
        names = ('mmpretrain', 'checked', 'ours') + (('exact',) if args.exact else ())
        pipes = {name: build(name) for name in names}
        for p in pipes.values():
            time_round(p, paths[:2])  # warm-up
        best = dict.fromkeys(pipes, 0.0)
        for r in range(args.rounds):
            for name, p in pipes.items():
                best[name] = max(best[name], time_round(p, paths))
            print(f'round {r + 1} (best so far, img/s): '
                  + ', '.join(f'{k} {v:.1f}' for k, v in best.items()), flush=True)  # fmt: skip
    print(f'mmpretrain default (LoadImageFromFile + views): {best["mmpretrain"]:.1f} images/s/core')
    print(f'LoadImageChecked + mmpretrain views:            {best["checked"]:.1f} images/s/core')
    print(f'ours (spng + FastSSLView):                      {best["ours"]:.1f} images/s/core')
    if args.exact:
        print(f'ours, pixel_exact=True:                         {best["exact"]:.1f} images/s/core')
        print(f'pixel_exact=True vs mmpretrain default: {best["exact"] / best["mmpretrain"]:.1f}x')
    print(f'vs LoadImageChecked + mmpretrain views: {best["ours"] / best["checked"]:.1f}x')
    print(f'pipeline speedup {best["ours"] / best["mmpretrain"]:.1f}x')


if __name__ == '__main__':
    main()
