"""DETR-family detectors on the CPU demo: training-step time side by side, where it goes, and a
short learning check.

    python benchmarks/bench_detr_family.py time [--models dino-recipe dino dab-detr ...]
        [--steps 6] [--warmup 1] [--profile] [--threads N] [--data-root data/demo/]
    python benchmarks/bench_detr_family.py learn CONFIG [--steps 120] [--cfg-options k=v ...]
        [--work-dir DIR] [--data-root data/demo/]

``time``: for each model, its config's model (as the Runner builds it, initialised) and three
batches made by its own train pipeline from the demo data (``--data-root``; without one, a
small copy written by tools.lib.demo_data to a temporary folder), then ``model.train_step``
(preprocessing, forward, backward, optimiser step) in rounds that alternate the models, so that
other load on the machine hits every model alike. Prints each model's median and best wall
and process-CPU seconds per step and its ratio to the first model (CPU time of one thread is
the figure least disturbed by other processes). ``--profile`` then profiles two steps of each
model (torch.profiler) and prints the seconds per step spent in the forward of each part
(backbone, encoder, decoder, the deformable attention and its PyTorch fallback, the standard
attention, the FFNs, the Hungarian assignment), in the backward and in the optimiser, and the
top operators. The models are the demo configs and, for DINO, the demo config with one of its
CPU cuts undone (``dino-4scale``: the recipe's stride-8 level back; ``dino-dn100``: the recipe's
100 denoising queries; ``dino-ffn2048``: the recipe's FFN width; ``dino-recipe``: mmdet's recipe
sizes throughout, i.e. the shrunk DINO first tried here).

``learn``: ``--steps`` training steps of CONFIG on the demo data through mmengine's Runner
(the config's dataloader, optimiser and warm-up; an iteration-based loop, no validation, no
checkpoints), the losses logged every 10 steps. Prints the last decoder layer's classification
and box losses (L1, GIoU) over the first and the last 30 steps, then a class-prior test on 10
training batches: the classification loss of the trained model with the true labels, and with
the labels permuted among the batch's objects (the same boxes, the same class frequencies). A
model on the class prior scores both alike; a ratio below 1 is a classifier that looks at the
objects. Not a result: a check that the loss leaves the plateau plain DETR sits on.
"""

import argparse
import copy
import json
import os.path as osp
import statistics
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

DINO = 'configs/dino/dino-3scale_r18-w32_1xb8-adamw-8e_nyu-demo.py'
# the recipe's stride-8 level (C3, 64 channels) back: 4 scales at strides 8-64
FOUR_SCALES = {
    'model.num_feature_levels': 4,
    'model.backbone.out_indices': (1, 2, 3),
    'model.neck.in_channels': [64, 128, 256],
    'model.neck.num_outs': 4,
    'model.encoder.layer_cfg.self_attn_cfg.num_levels': 4,
    'model.decoder.layer_cfg.cross_attn_cfg.num_levels': 4,
}
DN100 = {'model.dn_cfg.group_cfg.num_dn_queries': 100}
FFN2048 = {
    'model.encoder.layer_cfg.ffn_cfg.feedforward_channels': 2048,
    'model.decoder.layer_cfg.ffn_cfg.feedforward_channels': 2048,
}
RECIPE = {**FOUR_SCALES, **DN100, **FFN2048, 'model.num_queries': 300}
MODELS = {
    'dino-recipe': (DINO, RECIPE),
    'dino-4scale': (DINO, FOUR_SCALES),
    'dino-dn100': (DINO, DN100),
    'dino-ffn2048': (DINO, FFN2048),
    'dino': (DINO, {}),
    'dab-detr': ('configs/dab_detr/dab-detr_r18-w32-dc5_1xb8-adamw-16e_nyu-demo.py', {}),
    'detr': ('configs/detr/detr_r18-w32_1xb8-adamw-12e_nyu-demo.py', {}),
    'faster-rcnn': ('configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-6e_nyu-demo.py', {}),
}
# module types whose forward --profile times (mmcv's and mmdet's; not torch's own attention)
PARTS = ('MultiScaleDeformableAttention', 'MultiheadAttention', 'ConditionalAttention', 'FFN')


def read(config, options):
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.merge_from_dict(options)
    return cfg


def build(name, data_root):
    """(model, three batches, optim wrapper) of ``MODELS[name]``, in fp32 as the configs train."""
    import torch

    from tools.lib.models import build_batches, build_model
    from tools.lib.train_step import optim_wrapper

    cfg = read(*MODELS[name])
    for part in (cfg.model, cfg.model.backbone):
        part.pop('init_cfg', None)  # timing: no checkpoints
    torch.manual_seed(0)
    model = build_model(cfg)
    model.init_weights()
    batches = build_batches(cfg, data_root, num_batches=3)
    mode = 'fp32' if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper' else 'bf16+cl'
    return model.train(), batches, optim_wrapper(model, cfg.optim_wrapper, mode)


def profile(model, batch, wrapper):
    """Seconds per step in the parts of two profiled training steps (torch.profiler)."""
    import mmcv.ops.multi_scale_deform_attn as msda
    from mmdet.models.task_modules.assigners import HungarianAssigner
    from torch.profiler import ProfilerActivity, record_function
    from torch.profiler import profile as torch_profile

    def labelled(name, fn):
        def run(*args, **kwargs):
            with record_function('part: ' + name):
                return fn(*args, **kwargs)

        return run

    parts = [(n, m) for n, m in model.named_children()]
    parts += [
        (type(m).__name__, m)
        for m in model.modules()
        if type(m).__name__ in PARTS and type(m).__module__.startswith(('mmcv', 'mmdet'))
    ]
    saved = [(m, m.forward) for _, m in parts]
    for name, m in parts:
        m.forward = labelled(name, m.forward)
    fallback, assign = msda.multi_scale_deformable_attn_pytorch, HungarianAssigner.assign
    msda.multi_scale_deformable_attn_pytorch = labelled('msda pytorch fallback', fallback)
    HungarianAssigner.assign = labelled('hungarian assignment', assign)
    try:
        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(2):
                with record_function('part: forward + loss'):
                    data = model.data_preprocessor(copy.copy(batch), True)
                    loss, _ = model.parse_losses(model(**data, mode='loss'))
                with record_function('part: backward'):
                    loss.backward()
                with record_function('part: optimiser'):
                    wrapper.step()
                    wrapper.zero_grad()
    finally:
        for m, forward in saved:
            m.forward = forward
        msda.multi_scale_deformable_attn_pytorch, HungarianAssigner.assign = fallback, assign
    events = prof.key_averages()
    rows = sorted(
        (e for e in events if e.key.startswith('part: ')), key=lambda e: -e.cpu_time_total
    )
    for e in rows:
        print(f'    {e.key[6:]:32s} {e.cpu_time_total / 2e6:6.3f} s/step  ({e.count // 2} calls)')
    print(events.table(sort_by='self_cpu_time_total', row_limit=12))


def time_models(args):
    import torch

    torch.set_num_threads(args.threads) if args.threads else None
    print(f'torch {torch.__version__}, {torch.get_num_threads()} thread(s), CPU')
    with tempfile.TemporaryDirectory(prefix='bench_detr_family_') as tmp:
        data_root = args.data_root
        if not data_root:
            from tools.lib.demo_data import write_demo_data

            write_demo_data(tmp, seed=0, train=32, val=1, unlabeled=1)
            data_root = tmp + '/'
        runs = {name: build(name, data_root) for name in args.models}
    wall = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    from tools.lib.train_step import timed_step

    for r in range(args.warmup + args.steps):
        for name, (model, batches, wrapper) in runs.items():
            dt, dc, _ = timed_step(model, batches[r % 3], wrapper)
            if r >= args.warmup:
                wall[name].append(dt)
                cpu[name].append(dc)
    first = args.models[0]
    for name in runs:
        med, ref = statistics.median(cpu[name]), statistics.median(cpu[first])
        wall_med = statistics.median(wall[name])
        print(
            f'{name:12s} wall median {wall_med:5.2f} best {min(wall[name]):5.2f} s/step'
            f' | CPU median {med:5.2f} best {min(cpu[name]):5.2f} s/step'
            f' | CPU {med / ref:4.2f}x {first}  ({MODELS[name][0]})',
            flush=True,
        )
    if args.profile:
        for name, (model, batches, wrapper) in runs.items():
            print(f'\n--- {name}: two profiled steps, forward parts, backward, optimiser ---')
            profile(model, batches[0], wrapper)


def window(scalars, key, first):
    """Mean of ``key`` over the logged values of the first (or last) 30 steps."""
    rows = [r for r in scalars if key in r]
    last = rows[-1]['step']
    rows = [r for r in rows if (r['step'] <= 30 if first else r['step'] > last - 30)]
    return statistics.mean(r[key] for r in rows)


def learn(args):
    import torch
    from mmengine.runner import Runner

    from tools.lib.config import read_config
    from tools.lib.models import build_batches

    cfg = read_config(args.config, args.cfg_options, args.data_root)
    cfg.work_dir = args.work_dir or tempfile.mkdtemp(prefix='bench_detr_family_learn_')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=args.steps, val_interval=10**9)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = [s for s in cfg.param_scheduler if not s.get('by_epoch', True)]
    hooks = cfg.default_hooks
    for key in ('epoch_seed', 'class_check'):
        hooks.pop(key, None)
    hooks.checkpoint = None  # (a missing key would be mmengine's CheckpointHook)
    hooks.logger = dict(type='LoggerHook', interval=10)
    cfg.log_processor = dict(window_size=10, by_epoch=False)
    t = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    minutes = (time.perf_counter() - t) / 60
    log = osp.join(runner.log_dir, 'vis_data', 'scalars.json')
    scalars = [json.loads(line) for line in open(log)]
    print(f'\n{args.config}: {args.steps} steps in {minutes:.1f} min (wall, from the start)')
    for key in ('loss_cls', 'loss_bbox', 'loss_iou', 'loss'):
        a, b = window(scalars, key, True), window(scalars, key, False)
        print(f'  {key:10s} first 30 steps {a:7.3f}  last 30 steps {b:7.3f}  ({b / a - 1:+.0%})')

    model = runner.model
    true_cls, permuted_cls = [], []
    for i, batch in enumerate(build_batches(cfg, num_batches=10)):
        labels = torch.cat([s.gt_instances.labels for s in batch['data_samples']])
        perm = labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(i))]
        shuffled = copy.deepcopy(batch)
        start = 0
        for s in shuffled['data_samples']:
            n = len(s.gt_instances)
            s.gt_instances.labels = perm[start : start + n]
            start += n
        for b, out in ((batch, true_cls), (shuffled, permuted_cls)):
            torch.manual_seed(i)  # the same denoising noise for both
            with torch.no_grad():
                data = model.data_preprocessor(copy.copy(b), True)
                out.append(float(model(**data, mode='loss')['loss_cls']))
    a, b = statistics.mean(true_cls), statistics.mean(permuted_cls)
    print(
        f'  class-prior test on 10 training batches: loss_cls true labels {a:.3f}, labels '
        f'permuted among the objects {b:.3f}, ratio {a / b:.2f} (1.00: the class prior)'
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('time', help='training-step time side by side (and --profile)')
    p.add_argument('--models', nargs='+', default=['dino-recipe', 'dino'], choices=list(MODELS))
    p.add_argument('--steps', type=int, default=6, help='timed steps per model')
    p.add_argument('--warmup', type=int, default=1, help='untimed steps per model first')
    p.add_argument('--profile', action='store_true', help='then profile two steps of each')
    p.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument('--data-root', default=None, help='demo data (default: a small copy in /tmp)')
    p = sub.add_parser('learn', help='a short training run and the class-prior test')
    p.add_argument('config')
    p.add_argument('--steps', type=int, default=120)
    p.add_argument('--work-dir', default=None, help='logs (default: a temporary folder)')
    from tools.lib.config import add_data_arguments

    add_data_arguments(p)
    args = parser.parse_args()
    from mmengine.logging import MMLogger

    MMLogger.get_instance('bench_detr_family', log_level='WARNING')  # quiet unless learning
    time_models(args) if args.command == 'time' else learn(args)


if __name__ == '__main__':
    main()
