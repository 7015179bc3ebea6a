"""How well an UP-DETR model finds its query patches on held-out images (patch-box COCO AP).

    python tools/updetr_patch_ap.py CONFIG [CHECKPOINT] [--mismatch] [--cfg-options ...]
    python tools/updetr_patch_ap.py CONFIG CKPT [CKPT ...] --with-control   # a learning curve

The config's test split (for the UP-DETR configs: the labeled validation images, never seen
in pretraining, with patches drawn from a fixed seed) is scored like ``tools/test.py`` does.
Without a checkpoint the *untrained* model is scored: the config's initialisation (the
pretrained backbone, a fresh transformer), the baseline a pretraining run must beat.
``--mismatch`` is the control: the same target boxes, but each query patch is cut from
another random box of the image (``RandomQueryPatches(mismatch=True)``). A model that finds
its patches scores far lower there; one that has only learned where patches usually are (the
box prior) scores the same. Metrics go to ``<work_dir>/metrics.json`` (default
``work_dirs/<config>/patch_ap[_untrained][_mismatch]``). Several checkpoints (e.g. the epochs
of one run), or ``--with-control``, score each with its patches and with the control and print
a Markdown table.
"""

import argparse
import json
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

COLUMNS = ('bbox_mAP', 'bbox_mAP_50', 'bbox_AR@100')


def score(config: str, checkpoint=None, mismatch: bool = False, work_dir=None, cfg_options=None):
    """Patch-box COCO metrics of ``checkpoint`` (None: the untrained model) on the config's test
    split, with the query patches cut from their boxes or (``mismatch``) from other random
    boxes; written to ``<work_dir>/metrics.json`` too."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if mismatch:
        patches = [t for t in cfg.test_dataloader.dataset.pipeline
                   if t['type'].split('.')[-1] == 'RandomQueryPatches']  # fmt: skip
        if not patches:
            raise ValueError('--mismatch: the test pipeline has no RandomQueryPatches')
        patches[0]['mismatch'] = True
    if work_dir is None:
        sub = ('patch_ap' if checkpoint else 'patch_ap_untrained') + ('_mismatch' * mismatch)
        work_dir = osp.join('work_dirs', osp.splitext(osp.basename(config))[0], sub)
    cfg.work_dir, cfg.load_from = work_dir, checkpoint
    runner = Runner.from_cfg(cfg)
    if not checkpoint:
        runner.model.init_weights()
    metrics = runner.test()
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    return metrics


def main(argv=None):
    parser = argparse.ArgumentParser(description='Patch-box AP of an UP-DETR model')
    parser.add_argument('config')
    parser.add_argument(
        'checkpoints',
        nargs='*',
        help='omit to score the untrained model (in a table: the word untrained); several: a table',
    )
    parser.add_argument(
        '--mismatch', action='store_true', help='control: crops unrelated to the target boxes'
    )
    parser.add_argument(
        '--with-control',
        action='store_true',
        help='score each checkpoint with its patches and with the control; print a table',
    )
    parser.add_argument('--work-dir', help='one checkpoint, no table: where metrics.json goes')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if len(args.checkpoints) > 1 or args.with_control:
        if args.mismatch or args.work_dir:
            parser.error('a table (several checkpoints, --with-control) takes no --mismatch '
                         'or --work-dir')  # fmt: skip
        return table(args.config, args.checkpoints or [None], args.with_control, args.cfg_options)
    checkpoint = (args.checkpoints or [None])[0]
    metrics = score(args.config, checkpoint, args.mismatch, args.work_dir, args.cfg_options)
    what = checkpoint or 'untrained (initialised) model'
    what += ', query patches unrelated to the boxes (control)' if args.mismatch else ''
    print(f'\npatch-box AP of {what}:')
    for k in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_AR@100'):
        if f'coco/{k}' in metrics:
            print(f'{k:>12}: {metrics[f"coco/{k}"]:.4f}')
    return metrics


def table(config: str, checkpoints: list, control: bool, cfg_options=None) -> list:
    """Score every checkpoint (None: untrained), and with ``control`` its control too; print a
    Markdown table (patch mAP, AP50, AR@100 of each) and return its rows."""
    rows = []
    for ckpt in [None if c == 'untrained' else c for c in checkpoints]:
        m = score(config, ckpt, cfg_options=cfg_options)
        row = [ckpt or 'untrained'] + [m.get(f'coco/{k}', float('nan')) for k in COLUMNS]
        if control:
            c = score(config, ckpt, mismatch=True, cfg_options=cfg_options)
            row += [c.get(f'coco/{k}', float('nan')) for k in COLUMNS]
        rows.append(row)
    head = ['checkpoint', 'patch mAP', 'AP50', 'AR@100']
    head += ['control mAP', 'control AP50', 'control AR@100'] if control else []
    print('| ' + ' | '.join(head) + ' |\n|' + '---|' * len(head))
    for row in rows:
        print(f'| {row[0]} | ' + ' | '.join(f'{v:.3f}' for v in row[1:]) + ' |')
    return rows


if __name__ == '__main__':
    main()
