"""Report every problem of a data set in one pass, before training.

    python tools/check_dataset.py CONFIG [--split train|val|test|all] [--cfg-options k=v]
    python tools/check_dataset.py --data-root data/nyu [--demo | --classes A B ...]

Reads every label (unknown classes, bad YAML, boxes outside the image or without area, empty
label lists, images without labels) and decodes every image (empty, truncated, undecodable,
size different from the label's image_size; grayscale/RGBA/CMYK/16-bit are reported as
converted). Exits 1 when something would be refused or skipped, 0 when everything is usable
(repairs are listed, not failures).
"""

import argparse
import os.path as osp
import sys
from concurrent.futures import ProcessPoolExecutor

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmengine.config import DictAction  # noqa: E402
from tqdm import tqdm  # noqa: E402

from custom_modules.datasets import (  # noqa: E402
    DEMO_CLASSES,
    NYU_CLASSES,
    ImageReadError,
    Problem,
    describe_problems,
    index_split,
    read_image,
)
from custom_modules.datasets.image_io import IMAGE_EXTENSIONS, size_mismatch  # noqa: E402
from custom_modules.datasets.nyu_labels import scan_dir  # noqa: E402


def check_image(job):
    """Problems of one image: decoding, and its size against the label's (w, h) if known."""
    path, size = job
    try:
        img, notes = read_image(path)
    except ImageReadError as e:
        return [e.problem]
    out = [Problem(path, 'image_converted', n, fatal=False) for n in notes]
    wrong = size and size_mismatch(img, *size)
    if wrong:
        out.append(Problem(path, 'size_mismatch', wrong, fatal=True))
    return out


def check_split(img_dir, ann_dir, classes, workers=2, progress=True):
    """Every problem of one split: labels first, then every image file decoded (also those
    whose label is unusable, so that one pass finds everything)."""
    data_list, problems = index_split(img_dir, ann_dir, tuple(classes))
    sizes = {d['img_path']: (d['width'], d['height']) for d in data_list}
    jobs = [
        (osp.join(img_dir, name), sizes.get(osp.join(img_dir, name)))
        for name in sorted(scan_dir(img_dir, IMAGE_EXTENSIONS).values())
    ]
    with ProcessPoolExecutor(workers) as pool:
        results = pool.map(check_image, jobs, chunksize=16)
        for found in tqdm(
            results,
            total=len(jobs),
            disable=not progress,
            desc=f'images in {img_dir}',
            file=sys.stderr,
        ):
            problems += found
    return data_list, problems


def splits_from_config(config, which, cfg_options):
    from mmengine.config import Config

    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    names = ['train', 'val', 'test'] if which == 'all' else [which]
    seen = []
    for name in names:
        ds = cfg.get(f'{name}_dataloader', {}).get('dataset')
        if ds is None:
            continue
        prefix = ds.get('data_prefix', {})
        root = ds.get('data_root', '')
        split = (
            osp.join(root, prefix['img']),
            osp.join(root, prefix['ann']),
            tuple(ds.get('metainfo', {}).get('classes', NYU_CLASSES)),
        )
        if split not in seen:
            seen.append(split)
    return seen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', help='config whose datasets to check')
    parser.add_argument('--split', default='all', choices=['train', 'val', 'test', 'all'])
    parser.add_argument('--data-root', help='check <root>/labeled/* without a config')
    parser.add_argument('--demo', action='store_true', help='with --data-root: demo classes')
    parser.add_argument('--classes', nargs='+', help='with --data-root: the class names')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help='override config entries (key=value)'
    )
    args = parser.parse_args(argv)
    if args.data_root:
        classes = args.classes or (DEMO_CLASSES if args.demo else NYU_CLASSES)
        splits = [
            (
                osp.join(args.data_root, 'labeled', s, 'images'),
                osp.join(args.data_root, 'labeled', s, 'labels'),
                classes,
            )
            for s in ('training', 'validation')
            if osp.isdir(osp.join(args.data_root, 'labeled', s))
        ]
        if not splits:
            parser.error(f'no {args.data_root}/labeled/training or validation folder')
    elif args.config:
        splits = splits_from_config(args.config, args.split, args.cfg_options)
    else:
        parser.error('give a CONFIG or --data-root')
    n_fatal = 0
    for img_dir, ann_dir, classes in splits:
        data_list, problems = check_split(img_dir, ann_dir, classes, args.workers)
        fatal = [p for p in problems if p.fatal]
        repaired = [p for p in problems if not p.fatal]
        n_fatal += len(fatal)
        n_boxes = sum(len(d['instances']) for d in data_list)
        print(
            f'{osp.dirname(img_dir)}: {len(data_list)} labelled images, {n_boxes} boxes; '
            f'{len(fatal)} unusable, {len(repaired)} repaired'
        )
        if fatal:
            listed = describe_problems(fatal, 1000)
            print(f'unusable (refused, or skipped with bad_data="skip"):\n{listed}')
        if repaired:
            print(f'repaired or converted on load:\n{describe_problems(repaired, 1000)}')
    print('OK' if n_fatal == 0 else f'{n_fatal} problem(s) to fix before training')
    return 1 if n_fatal else 0


if __name__ == '__main__':
    sys.exit(main())
