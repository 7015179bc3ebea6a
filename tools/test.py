"""Evaluate a checkpoint: COCO mAP@[.5:.95], AP50, AP75, APs/m/l (and per-class AP).

    python tools/test.py CONFIG CHECKPOINT [--classwise] [--outfile-prefix PREFIX]
    tools/dist_test.sh CONFIG CHECKPOINT GPUS [...]

The metrics are printed and written to ``<work_dir>/metrics.json``. With ``--outfile-prefix``
the predictions (``PREFIX.bbox.json``) and the ground truth (``PREFIX.gt.json``) are written as
COCO json, so pycocotools or any COCO tool can re-score them.
"""

import argparse
import json
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from custom_modules.engine import init_cpu_dist  # noqa: E402

COCO_KEYS = ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (evaluate) a checkpoint')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='where logs and metrics.json go (default: work_dirs/<config name>/test)'
    )
    parser.add_argument('--classwise', action='store_true', help='print per-class AP')
    parser.add_argument(
        '--outfile-prefix',
        help='write predictions and ground truth as COCO json: PREFIX.bbox.json, PREFIX.gt.json',
    )
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help='override config entries'
    )
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0], 'test'
    )
    cfg.load_from = args.checkpoint
    evaluators = (
        cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
    )
    for ev in evaluators:
        if args.classwise:
            ev.classwise = True
        if args.outfile_prefix:
            ev.outfile_prefix = args.outfile_prefix
    if args.launcher == 'pytorch':
        init_cpu_dist(cfg)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    metrics = runner.test()
    if runner.rank == 0:
        os.makedirs(cfg.work_dir, exist_ok=True)
        with open(osp.join(cfg.work_dir, 'metrics.json'), 'w') as f:
            json.dump(metrics, f, indent=2)
        print('\n' + '\n'.join(f'{k:>12}: {v:.4f}' for k, v in _coco(metrics)))
        if args.outfile_prefix:
            print(
                f'predictions: {args.outfile_prefix}.bbox.json  '
                f'ground truth: {args.outfile_prefix}.gt.json'
            )
    return metrics


def _coco(metrics):
    found = [(k, metrics[f'coco/{k}']) for k in COCO_KEYS if f'coco/{k}' in metrics]
    return found or sorted(metrics.items())


if __name__ == '__main__':
    main()
