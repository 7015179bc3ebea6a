"""Decode every unlabeled image once into a packed file that training reads without decoding.

    python tools/pack_unlabeled.py IMAGE_DIR [--out FILE] [--max-side N] [--workers 2]

Packs every image under ``IMAGE_DIR`` (any folder tree: the images ``UnlabeledImageDataset``
indexes, in its order; ``data/demo/unlabeled`` for the demo) into ``IMAGE_DIR.packed`` (raw
uint8 BGR pixels, memory-mapped by the dataloader workers) and ``IMAGE_DIR.packed.idx.npz``
(offsets, sizes, names, and each file's size and
mtime, so that a stale pack is refused): the format is in ``custom_modules/datasets/packed.py``.
A config reads it with ``PackedUnlabeledImageDataset`` (the switch ``packed_dataset`` of
``configs/_base_/datasets/nyu_unlabeled_2view.py``).

Disk: lossless by default, ``H*W*3`` bytes an image (549 KiB for 500x375, about twice its PNG;
~290 GB for 512K such images). ``--max-side N`` shrinks every image whose longer side is over
N to N (OpenCV's area filter; lossy: the crops are then cut from fewer pixels), ``N*N*3*3/4``
bytes for a 4:3 image (144 KiB at 256, 352 KiB at 400). Re-run after adding, removing or
changing images.
"""

import argparse
import os.path as osp
import sys
import time

from custom_modules.datasets import list_images, write_pack


def human(n: float) -> str:
    """'1.23 GiB', '54 KiB' for a number of bytes."""
    for unit, size in (('GiB', 2**30), ('MiB', 2**20)):
        if n >= size:
            return f'{n / size:.2f} {unit}'
    return f'{n / 1024:.0f} KiB'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('img_dir', help="the unlabeled images' folder (searched recursively)")
    parser.add_argument('--out', help='pixel file (default IMAGE_DIR.packed)')
    parser.add_argument(
        '--max-side',
        type=int,
        default=0,
        help='shrink images with a longer side over N px (lossy; default: off)',
    )
    parser.add_argument('--workers', type=int, default=2, help='processes decoding images')
    args = parser.parse_args(argv)
    img_dir = args.img_dir.rstrip('/') or '/'
    if not osp.isdir(img_dir):
        parser.error(f'{img_dir} is not a folder')
    if args.max_side < 0:
        parser.error('--max-side must be positive (0: off)')
    names = list_images(img_dir)
    if not len(names):
        parser.error(f'no images in {img_dir}')
    out = args.out or img_dir + '.packed'
    start = time.perf_counter()
    report = write_pack(img_dir, names, out, max_side=args.max_side, workers=args.workers)
    seconds = time.perf_counter() - start
    n, pixels, source = report['images'], report['pixel_bytes'], report['source_bytes']
    kind = f'longer side at most {args.max_side} px, lossy' if args.max_side else 'full size'
    print(
        f'packed {n} images of {img_dir} ({kind}) into {out} in {seconds:.0f} s: '
        f'{human(pixels)}, {human(pixels / n)} an image (the image files: {human(source)}, '
        f'{human(source / n)}); index {out}.idx.npz'
    )
    if report['converted']:
        print(f'{report["converted"]} images converted to 8-bit BGR (grayscale, RGBA, ...)')
    if report['bad']:
        print(f'{len(report["bad"])} images did not decode; the dataset skips them:')
        print('\n'.join(f'  {e}' for e in report['bad'][:20]))
    dataset = (
        f'dict(_base_.packed_dataset, pack={osp.abspath(out)!r})'
        if args.out
        else '_base_.packed_dataset'
    )
    print(
        'use it in a leaf of configs/_base_/datasets/nyu_unlabeled_2view.py: '
        f'train_dataloader = dict(dataset={dataset}); re-pack after changing images'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
