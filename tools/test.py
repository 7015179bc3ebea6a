"""Evaluate a checkpoint: COCO mAP@[.5:.95], AP50, AP75, APs/m/l (and per-class AP).

    python tools/test.py CONFIG CHECKPOINT [--data-root DIR] [--classwise]
        [--outfile-prefix PREFIX] [--out results.pkl] [--show] [--show-dir DIR]
        [--wait-time S] [--tta] [--work-dir DIR] [--cfg-options k=v ...]
    tools/dist_test.sh CONFIG CHECKPOINT GPUS [...]

The metrics are printed and written to ``<work_dir>/metrics.json``. With ``--outfile-prefix``
the predictions (``PREFIX.bbox.json``) and the ground truth (``PREFIX.gt.json``) are written as
COCO json, so pycocotools or any COCO tool can re-score them. The other options are mmdet 3.3's
``tools/test.py``'s: ``--out`` dumps the predictions as mmdet's ``DumpDetResults`` does (the
input of mmdet's ``tools/analysis_tools/confusion_matrix.py`` and ``analyze_results.py``);
``--show``/``--show-dir`` turn on the config's ``default_hooks.visualization`` (drawn images
go to ``<work_dir>/<timestamp>/<show_dir>``); ``--tta`` tests the config's ``tta_model`` on its
``tta_pipeline``.
"""

import argparse
import json
import os
import os.path as osp

from mmengine.config import ConfigDict
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from custom_modules.engine import close_dist, init_cpu_dist, leave_worker
from tools.lib.config import add_data_arguments, datasets, missing_data, read_config

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
        '--out', help="dump the predictions to a .pkl (mmdet's DumpDetResults) for offline analysis"
    )
    parser.add_argument('--show', action='store_true', help='show each image with predictions')
    parser.add_argument(
        '--show-dir', help='save each image with predictions to <work_dir>/<timestamp>/SHOW_DIR'
    )
    parser.add_argument('--wait-time', type=float, default=2, help='seconds per --show image')
    parser.add_argument(
        '--tta', action='store_true', help="test-time augmentation (the config's tta_model)"
    )
    add_data_arguments(parser)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if args.out and not args.out.endswith(('.pkl', '.pickle')):
        parser.error(f'--out {args.out}: the dump file must end with .pkl or .pickle')
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def missing_checkpoint(path: str):
    """A message when ``path`` is not a checkpoint file (None when it is, or is a URL)."""
    if '://' in path or osp.isfile(path):
        return None
    folder = osp.dirname(path) or '.'
    found = sorted(f for f in os.listdir(folder) if f.endswith('.pth')) if osp.isdir(folder) else []
    there = f'; {folder} holds {", ".join(found[-5:])}' if found else ''
    return f'checkpoint {path} does not exist (give the .pth file to evaluate){there}'


def build_cfg(args):
    """The test config of ``args``: data moved, checkpoint, evaluator, visualization and TTA
    options applied. Exits naming the problem when the config cannot do what is asked."""
    from mmdet.engine.hooks.utils import trigger_visualization_hook

    cfg = read_config(args.config, args.cfg_options, args.data_root)
    cfg.launcher = args.launcher
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
    if args.show or args.show_dir:
        if 'visualization' not in cfg.get('default_hooks', {}):
            raise SystemExit(f'{args.config}: --show/--show-dir need default_hooks.visualization '
                             "(e.g. dict(type='DetVisualizationHook'), as in "
                             "mmdet::_base_/default_runtime.py)")  # fmt: skip
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        lacking = [k for k in ('tta_model', 'tta_pipeline') if k not in cfg]
        if lacking:
            raise SystemExit(f'{args.config} has no {" or ".join(lacking)}: --tta tests the '
                             "config's own tta_model on its tta_pipeline (mmdet's TTA configs "
                             'show both); this config has no test-time augmentation')  # fmt: skip
        cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
        for _, ds in datasets(cfg, ['test']):
            ds.pipeline = cfg.tta_pipeline
    return cfg


def main(argv=None):
    args = parse_args(argv)
    problem = missing_checkpoint(args.checkpoint)
    if problem:  # before the dataset and the model are built
        raise SystemExit(f'tools/test.py: {problem}')
    cfg = build_cfg(args)
    missing = missing_data(cfg, ['test'], hooks=False)
    if missing:
        raise SystemExit('\n'.join([f'{args.config}: data not found:'] + missing))
    if args.launcher == 'pytorch':
        init_cpu_dist(cfg)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    if args.out:
        from mmdet.evaluation import DumpDetResults

        runner.test_evaluator.metrics.append(DumpDetResults(out_file_path=args.out))
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
        if args.out:
            print(f'predictions dumped to {args.out}')
    close_dist()  # gloo and nccl alike: end the group before the interpreter ends
    return metrics


def _coco(metrics):
    found = [(k, metrics[f'coco/{k}']) for k in COCO_KEYS if f'coco/{k}' in metrics]
    return found or sorted(metrics.items())


if __name__ == '__main__':
    main()
    leave_worker()  # a torchrun worker: exit without the C++ teardown (distributed.py)
