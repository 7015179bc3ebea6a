"""Report every problem of a data set in one pass, before training.

    python tools/check_dataset.py CONFIG [--split train|val|test|all] [--data-root DIR]
        [--workers 8] [--cfg-options k=v]
    python tools/check_dataset.py --data-root data/nyu [--demo | --classes A B ...]

Labeled splits: reads every label (unknown classes, bad YAML, boxes outside the image or
without area, empty label lists, images without labels) and decodes every image (empty,
truncated, undecodable, size different from the label's image_size; grayscale/RGBA/CMYK/16-bit
are reported as converted). Unlabeled folders (SSL configs, or ``<root>/unlabeled``): decodes
every image and reports the same problems, the image sizes, and files naming one id twice
(``1.png``/``1.PNG``/``001.png``). Images are decoded over ``--workers`` processes with a
progress bar. With a CONFIG, ``--data-root`` moves it as in ``tools/train.py``. Exits 1 when
something would be refused or skipped, 0 when everything is usable (repairs are listed, not
failures).
"""

import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from custom_modules.datasets import DEMO_CLASSES, NYU_CLASSES, describe_problems  # noqa: E402
from tools.lib.config import add_data_arguments, missing_data, read_config  # noqa: E402
from tools.lib.data_check import (  # noqa: E402
    check_split,
    check_unlabeled,
    config_targets,
    describe_sizes,
    root_targets,
)


def report(where: str, summary: str, problems: list) -> int:
    """Print one folder's summary and problems; return how many are fatal."""
    fatal = [p for p in problems if p.fatal]
    repaired = [p for p in problems if not p.fatal]
    print(f'{where}: {summary}; {len(fatal)} unusable, {len(repaired)} repaired')
    if fatal:
        listed = describe_problems(fatal, 1000)
        print(f'unusable (refused, or skipped with bad_data="skip"):\n{listed}')
    if repaired:
        print(f'repaired or converted on load:\n{describe_problems(repaired, 1000)}')
    return len(fatal)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', help='config whose datasets to check')
    parser.add_argument('--split', default='all', choices=['train', 'val', 'test', 'all'])
    parser.add_argument('--demo', action='store_true', help='without a config: demo classes')
    parser.add_argument('--classes', nargs='+', help='without a config: the class names')
    parser.add_argument('--workers', type=int, default=2, help='processes decoding images')
    add_data_arguments(
        parser,
        'with a CONFIG: move it there (as tools/train.py); without: check '
        '<root>/labeled/{training,validation} and <root>/unlabeled',
    )
    args = parser.parse_args(argv)
    if args.config:
        cfg = read_config(args.config, args.cfg_options, args.data_root)
        splits = ['train', 'val', 'test'] if args.split == 'all' else [args.split]
        missing = missing_data(cfg, splits, hooks=False)
        if missing:
            print('\n'.join(missing))
            return 1
        targets = config_targets(cfg, splits)
        if not targets:
            parser.error(f'{args.config} has no {"/".join(splits)} dataloader dataset to check')
    elif args.data_root:
        targets = root_targets(
            args.data_root, args.classes or (DEMO_CLASSES if args.demo else NYU_CLASSES)
        )
        if not targets:
            parser.error(f'no {args.data_root}/labeled/training, validation or unlabeled folder')
    else:
        parser.error('give a CONFIG or --data-root')
    n_fatal = 0
    for kind, img_dir, *rest in targets:
        if kind == 'unlabeled':
            n, sizes, problems = check_unlabeled(img_dir, args.workers, rest[0])
            n_fatal += report(img_dir, f'{n} unlabeled images, {describe_sizes(sizes)}', problems)
            continue
        data_list, problems = check_split(img_dir, rest[0], rest[1], args.workers)
        n_boxes = sum(len(d['instances']) for d in data_list)
        summary = f'{len(data_list)} labelled images, {n_boxes} boxes'
        n_fatal += report(osp.dirname(img_dir), summary, problems)
    print('OK' if n_fatal == 0 else f'{n_fatal} problem(s) to fix before training')
    return 1 if n_fatal else 0


if __name__ == '__main__':
    sys.exit(main())
