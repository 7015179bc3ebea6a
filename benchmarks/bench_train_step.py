"""Training-step time of the demo models, fp32 vs bf16 autocast (+ channels_last), in one run.

    python benchmarks/bench_train_step.py [--models bt frcnn vicreg] [--steps 5] [--warmup 2]
                                          [--profile] [--batch-scale 1.0]
                                          [--recipe demo|full] [--device cpu|cuda]

``--recipe full`` times the full-size configs instead (ResNet-50 Barlow Twins / VICReg at
the recipe's 64 images per GPU of 224 px views, Faster R-CNN R50-FPN at its 2 images per GPU
resized to 1333x800), meant for a GPU (``--device cuda``, the default where one is present).

For each model: one real batch of the config's shapes (made by its own train pipeline from
a small data set that tools.lib.demo_data writes to a temporary folder), the same initial
weights in every mode, and ``model.train_step`` (preprocessing, forward, backward, optimiser
step) timed in rounds that alternate the modes, so that other load on the machine hits all
modes alike. Modes: ``fp32`` (the configs' ``OptimWrapper``), ``bf16`` (``BF16OptimWrapper``
without channels_last), ``bf16+cl`` (``BF16OptimWrapper``, the default channels_last).
Prints each mode's best (minimum) and median step time; the ratios use the best, the
estimate least disturbed by other processes on a shared machine. The last line is
``train step speedup BT X.Xx, FRCNN Y.Yx`` (fp32 / bf16+cl, wall clock); the line before
it gives the same ratios of process CPU time (all threads), less sensitive to other load.
``--profile`` prints the top operators of one Faster R-CNN step in fp32 and in bf16+cl
(torch.profiler).
"""

import argparse
import copy
import os.path as osp
import statistics
import tempfile

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

CONFIGS = {
    'bt': ('BT', 'configs/barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py'),
    'frcnn': ('FRCNN', 'configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py'),
    'vicreg': ('VICReg', 'configs/vicreg/vicreg_resnet18-w32_1xb64-coslr-20e_nyu-demo.py'),
}
FULL_CONFIGS = {
    'bt': ('BT', 'configs/barlowtwins/barlowtwins_resnet50_8xb64-coslr-150e_nyu.py'),
    'frcnn': ('FRCNN', 'configs/faster_rcnn/faster-rcnn_r50_fpn_8xb2-adam-40e_nyu.py'),
    'vicreg': ('VICReg', 'configs/vicreg/vicreg_resnet50_8xb64-coslr-100e_nyu.py'),
}


def build(config, data_root, batch_scale=1.0):
    """(model, one collated batch, optim_wrapper cfg, batch size) of ``config`` on ``data_root``."""
    from mmengine.config import Config

    from custom_modules.datasets.classes import DEMO_CLASSES
    from tools.lib.train_step import build_step

    cfg = Config.fromfile(osp.join(ROOT, config))
    dataset = cfg.train_dataloader.dataset
    if dataset.type == 'NYUDetDataset' and 'metainfo' not in dataset:
        # a full-size detector on the demo data: the digits as its first 10 of 100 classes
        dataset.metainfo = dict(classes=DEMO_CLASSES)
    n = max(1, round(cfg.train_dataloader.batch_size * batch_scale))
    model, batch = build_step(cfg, data_root, n)
    return model, batch, cfg.optim_wrapper, n


def bench_model(key, data_root, args):
    import torch

    from tools.lib.train_step import MODES, optim_wrapper, timed_step

    name, config = (FULL_CONFIGS if args.recipe == 'full' else CONFIGS)[key]
    model0, batch, optim_cfg, n = build(config, data_root, args.batch_scale)
    runs = {}
    for mode in MODES:
        model = copy.deepcopy(model0).to(args.device).train()
        runs[mode] = (model, optim_wrapper(model, optim_cfg, mode))
    cuda = args.device == 'cuda'
    shapes = batch['inputs']
    shapes = [tuple(shapes[0].shape)] * len(shapes) if isinstance(shapes, list) else shapes.shape
    print(f'{name}: {config}, batch {n}, input {shapes[0]} x {len(shapes)}', flush=True)
    times = {mode: [] for mode in MODES}
    cpu_times = {mode: [] for mode in MODES}
    losses = {}
    for r in range(args.warmup + args.steps):
        for mode in MODES:
            model, wrapper = runs[mode]
            dt, dc, log = timed_step(model, batch, wrapper, args.device)
            if r >= args.warmup:
                times[mode].append(dt)
                cpu_times[mode].append(dc)
            if r == 0:
                losses[mode] = float(log['loss'].detach())
    best = {mode: min(ts) for mode, ts in times.items()}
    cpu = {mode: min(ts) for mode, ts in cpu_times.items()}
    for mode in MODES:
        ts = ', '.join(f'{t:.2f}' for t in times[mode])
        print(
            f'  {mode:8s} best {best[mode]:.3f} s/step, median {statistics.median(times[mode]):.3f}'
            f'  ({ts})  first-step loss {losses[mode]:.4f}  '
            f'speedup {best["fp32"] / best[mode]:.2f}x; CPU time best {cpu[mode]:.3f} s '
            f'(speedup {cpu["fp32"] / cpu[mode]:.2f}x)',
            flush=True,
        )
    if cuda:
        peaks = []
        for mode in MODES:  # peak memory of one step per mode
            model, wrapper = runs[mode]
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            model.train_step(copy.copy(batch), wrapper)
            peaks.append(f'{mode} {torch.cuda.max_memory_allocated() / 2**30:.2f}')
        print('  peak GPU memory per step (GiB): ' + ', '.join(peaks), flush=True)
    if args.profile and key == 'frcnn':
        profile(runs, batch)
    del runs
    torch.cuda.empty_cache() if cuda else None
    return name, best['fp32'] / best['bf16+cl'], cpu['fp32'] / cpu['bf16+cl']


def profile(runs, batch):
    from torch.profiler import ProfilerActivity, profile

    for mode in ('fp32', 'bf16+cl'):
        model, wrapper = runs[mode]
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            model.train_step(copy.copy(batch), wrapper)
        print(f'\n--- torch.profiler, one Faster R-CNN train step, {mode} ---')
        print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=15))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', default=['bt', 'frcnn'], choices=list(CONFIGS))
    parser.add_argument('--steps', type=int, default=5, help='timed steps per mode')
    parser.add_argument('--warmup', type=int, default=2, help='untimed steps per mode first')
    parser.add_argument('--profile', action='store_true', help='profile a Faster R-CNN step')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help="torch threads (default: torch's); 1 makes the CPU time robust to other load",
    )
    parser.add_argument(
        '--batch-scale', type=float, default=1.0, help="multiply the configs' batch sizes"
    )
    parser.add_argument(
        '--recipe',
        choices=['demo', 'full'],
        default='demo',
        help="the demo configs (default) or the full-size ResNet-50 recipes' configs",
    )
    parser.add_argument('--device', default=None, help='cpu or cuda (default: cuda if present)')
    args = parser.parse_args()
    import torch

    args.device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    from mmengine.logging import MMLogger

    from tools.lib.demo_data import write_demo_data

    MMLogger.get_instance('bench_train_step', log_level='WARNING')  # the current logger: quiet

    if args.threads:
        torch.set_num_threads(args.threads)
    where = f'{torch.get_num_threads()} threads'
    if args.device == 'cuda':
        where = (
            f'{torch.cuda.get_device_name()}, cudnn {torch.backends.cudnn.version()}, fp32 '
            f'convolutions in TF32: {torch.backends.cudnn.allow_tf32}, fp32 matmuls in TF32: '
            f'{torch.backends.cuda.matmul.allow_tf32}'
        )
    print(f'torch {torch.__version__}, {args.recipe} recipe on {args.device}: {where}')
    ratios = []
    with tempfile.TemporaryDirectory(prefix='bench_train_step_') as tmp:
        write_demo_data(tmp, seed=0, train=32, val=1, unlabeled=64)
        for key in args.models:
            ratios.append(bench_model(key, tmp + '/', args))
    print('CPU-time speedup ' + ', '.join(f'{name} {c:.1f}x' for name, _, c in ratios))
    print('train step speedup ' + ', '.join(f'{name} {r:.1f}x' for name, r, _ in ratios))


if __name__ == '__main__':
    main()
