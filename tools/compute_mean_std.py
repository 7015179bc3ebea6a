"""Per-channel mean and std of the images in a folder, for the data preprocessor.

    python tools/compute_mean_std.py data/nyu/unlabeled [--num 20000] [--seed 0]

Streams over all files (or a random sample of ``--num``), accumulating per-channel sums in
float64, and prints the RGB mean and std in the 0-1 and 0-255 scales and the config snippet
to paste (mmdet's and mmpretrain's preprocessors work in 0-255, RGB order).
"""

import argparse
import os.path as osp
import sys

import numpy as np
from tqdm import tqdm

from custom_modules.datasets.image_folder import scan_dir, sort_key
from custom_modules.datasets.image_io import (
    IMAGE_EXTENSIONS,
    ImageReadError,
    read_image,
)


def mean_std(paths, progress=True):
    """RGB mean and std (0-255) over every pixel of ``paths``; also the skipped files."""
    total = np.zeros(3)
    total_sq = np.zeros(3)
    count = 0
    skipped = []
    for path in tqdm(paths, disable=not progress, file=sys.stderr, desc='images'):
        try:
            img, _ = read_image(path)
        except ImageReadError as e:
            skipped.append(str(e))
            continue
        px = img[..., ::-1].reshape(-1, 3).astype(np.float64)
        total += px.sum(0)
        total_sq += (px * px).sum(0)
        count += len(px)
    if count == 0:
        raise ValueError('no readable image')
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - mean**2, 0))
    return mean, std, skipped


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_dir')
    parser.add_argument('--num', type=int, help='a random sample of this many files')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    names = scan_dir(args.data_dir, IMAGE_EXTENSIONS)
    stems = sorted(names, key=sort_key)
    if args.num and args.num < len(stems):
        pick = np.random.default_rng(args.seed).choice(len(stems), args.num, replace=False)
        stems = [stems[i] for i in sorted(pick)]
    mean, std, skipped = mean_std([osp.join(args.data_dir, names[s]) for s in stems])
    for s in skipped:
        print(f'skipped {s}')

    def fmt(v):
        return '[' + ', '.join(f'{x:.3f}' for x in v) + ']'

    print(f'{len(stems) - len(skipped)} images (RGB)')
    print(f'0-1:   mean {fmt(mean / 255)}  std {fmt(std / 255)}')
    print(f'0-255: mean {fmt(mean)}  std {fmt(std)}')
    print('config: data_preprocessor = dict(mean=%s, std=%s)' % (fmt(mean), fmt(std)))
    return mean, std


if __name__ == '__main__':
    main()
