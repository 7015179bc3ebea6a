"""Train any config of this project: mmpretrain (SSL) and mmdet (detection) alike.

python tools/train.py CONFIG [--work-dir DIR] [--data-root DIR] [--resume [CKPT]] [--amp]
    [--cfg-options k=v]
tools/dist_train.sh CONFIG GPUS [...]          # torchrun; gloo on CPU-only machines

``--data-root DIR`` moves the whole run (every dataloader, and the k-NN probe of SSL configs) to
the data under DIR; the folders it reads are checked before the model is built.
"""

import argparse
import os
import os.path as osp

from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from custom_modules.engine import close_dist, init_cpu_dist, leave_worker
from tools.lib.config import add_data_arguments, missing_data, read_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a detector or an SSL model')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--work-dir', help='where logs and checkpoints go (default: work_dirs/<config name>)'
    )
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work dir',
    )
    parser.add_argument('--amp', action='store_true', help='mixed precision (CUDA)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale lr by (total batch) / auto_scale_lr.base_batch_size',
    )
    add_data_arguments(parser)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_cfg(args) -> Config:
    cfg = read_config(args.config, args.cfg_options, args.data_root)
    cfg.launcher = args.launcher
    cfg.work_dir = (
        args.work_dir
        or cfg.get('work_dir')
        or osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])
    )
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = build_cfg(args)
    splits = ['train'] + (['val'] if cfg.get('val_cfg') and cfg.get('val_dataloader') else [])
    missing = missing_data(cfg, splits)
    if missing:
        raise SystemExit('\n'.join([f'{args.config}: data not found:'] + missing))
    if args.launcher == 'pytorch':
        init_cpu_dist(cfg)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    runner.train()
    close_dist()  # gloo and nccl alike: end the group before the interpreter ends


if __name__ == '__main__':
    main()
    leave_worker()  # a torchrun worker: exit without the C++ teardown (distributed.py)
