"""Check a GPU machine for this project in one command: the install, step speed and MFU, one
training iteration of every full-scale config, determinism; one table of pass/fail rows.

    python tools/gpu_check.py [--out work_dirs/gpu_check] [--steps 10] [--warmup 3]
        [--peak-tflops bf16=989 tf32=495] [--only TEXT ...]
    python tools/gpu_check.py --device cpu --dry-run     # every row on tiny shapes (~1 min)
    tools/gpu_check.sh [--install WHEELHOUSE] [...]       # the same, installing offline first

Offline: the data are generated (tools/lib/demo_data/), the pretrained checkpoints that
configs load are made from the pretraining configs' untrained models. The rows and what each
one checks: tools/lib/gpu_check.py and docs/gpu_check.md. Writes OUT/gpu_check.md and
OUT/gpu_check.json after every row (tracebacks of failed rows in OUT/errors/); a failed row
does not stop the others. Exit status 0 when every row passed, else 1.
"""

import argparse
import os
import os.path as osp
import shlex
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=['cuda', 'cpu'], default='cuda')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='tiny shapes (batch 2, 64 px views, detection images x0.1, one timed step)',
    )
    parser.add_argument('--out', default='work_dirs/gpu_check', help='output folder')
    parser.add_argument('--steps', type=int, help='timed steps per speed row (default 10; 1)')
    parser.add_argument('--warmup', type=int, help='untimed steps first (default 3; dry run 0)')
    parser.add_argument(
        '--peak-tflops',
        nargs='+',
        metavar='PRECISION=TFLOPS',
        help='peak TFLOP/s for MFU (fp32, tf32, bf16), overriding the table of GPUs',
    )
    parser.add_argument(
        '--only', nargs='+', metavar='TEXT', help='run only the rows whose name contains a TEXT'
    )
    args = parser.parse_args(argv)
    args.steps = args.steps or (1 if args.dry_run else 10)
    args.warmup = args.warmup if args.warmup is not None else (0 if args.dry_run else 3)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.device == 'cpu':
        os.environ['CUDA_VISIBLE_DEVICES'] = ''  # the Runner would take a GPU that is there
    os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')  # for deterministic configs
    import torch
    from mmengine.logging import MMLogger

    from tools.lib.flops import parse_peaks
    from tools.lib.gpu_check import Check, rows
    from tools.lib.gpu_report import Report

    try:
        peaks = parse_peaks(args.peak_tflops)
    except ValueError as e:
        raise SystemExit(str(e)) from None
    MMLogger.get_instance('gpu_check', log_level='WARNING')  # the current logger: quiet
    cuda = args.device == 'cuda' and torch.cuda.is_available()
    device = (
        torch.cuda.get_device_name()
        if cuda
        else ('CPU' if args.device == 'cpu' else 'no CUDA device')
    )
    versions = (
        f'torch {torch.__version__} (CUDA {torch.version.cuda}, cuDNN '
        f'{torch.backends.cudnn.version()}); fp32 convolutions in TF32: '
        f'{torch.backends.cudnn.allow_tf32}, fp32 matmuls in TF32: '
        f'{torch.backends.cuda.matmul.allow_tf32}; Python {sys.version.split()[0]}'
    )
    command = 'python tools/gpu_check.py ' + shlex.join(argv if argv is not None else sys.argv[1:])
    header = dict(
        command=command.strip(),
        device=device,
        versions=versions,
        date=time.strftime('%Y-%m-%d %H:%M'),
        dry_run=args.dry_run,
    )
    report = Report(args.out, header)
    check = Check(args.device, osp.abspath(args.out), args.dry_run, args.steps, args.warmup, peaks)
    for stage, name, fn, needs in rows(check, args.only):
        report.run(stage, name, fn, needs)
    counts = report.counts()
    print(
        f'[gpu_check] {counts["pass"]} passed, {counts["fail"]} failed, {counts["skip"]} '
        f'skipped: {osp.join(args.out, "gpu_check.md")}'
    )
    return 0 if counts['fail'] == counts['skip'] == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
