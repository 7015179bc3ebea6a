"""Report every problem of a data set in one pass, before training.

    python tools/check_dataset.py CONFIG [--split train|val|test|all] [--data-root DIR]
        [--workers 8] [--cfg-options k=v]
    python tools/check_dataset.py ANN.json [--images DIR] [--classes A B ...]
    python tools/check_dataset.py --data-root data/nyu [--demo | --classes A B ...]

Each dataset a CONFIG's dataloaders build (NYUDetDataset, CheckedCocoDataset or mmdet's
CocoDataset, UnlabeledImageDataset, ...) is built as training would build it, its labels'
problems listed (``bad_data='skip'`` where the dataset takes it, so that all are found), then
every image of it decoded: empty, truncated, undecodable, a size different from its label's
(unusable); grayscale/RGBA/CMYK/16-bit (converted). Unlabeled folders also report the image
sizes and files sharing a name (``1.png``/``1.PNG``). A COCO json is checked as a
``CheckedCocoDataset``, its images next to it unless ``--images`` says where: every bad box,
unknown category, orphan annotation, shared image id and missing file is named by the json and
the annotation or image id. ``--data-root`` without a config checks the NYU layout's splits and
unlabeled folder; with a CONFIG it moves it as in ``tools/train.py``. Images are decoded over
``--workers`` processes with a progress bar. Exits 1 when something would be refused or
skipped, 0 when everything is usable (repairs are listed, not failures).
"""

import argparse
import sys

from custom_modules.datasets import (
    DEMO_CLASSES,
    NYU_CLASSES,
    describe_problems,
    nyu_layout_datasets,
)
from tools.lib.config import add_data_arguments, datasets, missing_data, read_config
from tools.lib.data_check import check_dataset, dataset_key


def report(where: str, summary: str, problems: list) -> int:
    """Print one dataset's summary and problems; return how many are fatal."""
    fatal = [p for p in problems if p.fatal]
    repaired = [p for p in problems if not p.fatal]
    print(f'{where}: {summary}; {len(fatal)} unusable, {len(repaired)} repaired')
    if fatal:
        listed = describe_problems(fatal, 1000)
        print(f'unusable (refused, or skipped with bad_data="skip"):\n{listed}')
    if repaired:
        print(f'repaired or converted on load:\n{describe_problems(repaired, 1000)}')
    return len(fatal)


def config_datasets(cfg, splits) -> list:
    """The distinct dataset configs of a config's dataloaders (wrappers unwrapped; a val and
    a test loader reading the same files checked once); imports its ``custom_imports``."""
    from mmengine.utils import import_modules_from_strings

    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    out, seen = [], []
    for _, ds in datasets(cfg, splits):
        if dataset_key(ds) not in seen:
            seen.append(dataset_key(ds))
            out.append(ds)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', help='config whose datasets to check, or a COCO json')
    parser.add_argument('--split', default='all', choices=['train', 'val', 'test', 'all'])
    parser.add_argument('--images', help='with a json: its image folder (default: its folder)')
    parser.add_argument('--demo', action='store_true', help='without a config: demo classes')
    parser.add_argument('--classes', nargs='+', help='without a config: the class names')
    parser.add_argument('--workers', type=int, default=2, help='processes decoding images')
    add_data_arguments(
        parser,
        'with a CONFIG: move it there (as tools/train.py); without: check the data set in the '
        'NYU layout there (docs/data.md)',
    )
    args = parser.parse_args(argv)
    classes = args.classes or (DEMO_CLASSES if args.demo else None)
    if args.config and args.config.lower().endswith('.json'):
        ds = dict(type='CheckedCocoDataset', ann_file=args.config)
        if args.images:
            ds['data_prefix'] = dict(img=args.images)
        if classes:
            ds['metainfo'] = dict(classes=tuple(classes))
        targets = [ds]
    elif args.config:
        cfg = read_config(args.config, args.cfg_options, args.data_root)
        splits = ['train', 'val', 'test'] if args.split == 'all' else [args.split]
        missing = missing_data(cfg, splits, hooks=False)
        if missing:
            print('\n'.join(missing))
            return 1
        targets = config_datasets(cfg, splits)
        if not targets:
            parser.error(f'{args.config} has no {"/".join(splits)} dataloader dataset to check')
    elif args.data_root:
        targets = nyu_layout_datasets(args.data_root, tuple(classes or NYU_CLASSES))
        if not targets:
            parser.error(f'{args.data_root} holds no split of the NYU layout (docs/data.md)')
    else:
        parser.error('give a CONFIG, a COCO json or --data-root')
    n_fatal = 0
    for ds in targets:
        n_fatal += report(*check_dataset(ds, args.workers))
    print('OK' if n_fatal == 0 else f'{n_fatal} problem(s) to fix before training')
    return 1 if n_fatal else 0


if __name__ == '__main__':
    sys.exit(main())
