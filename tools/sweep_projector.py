"""Projector-width study: train (or collect) SSL runs that differ in projector width, measure each
final checkpoint's cross-correlation diagnostics and k-NN probe, and plot them against the width.

    # the demo sweep (128 ... 2048), trained here, 5 epochs each
    python tools/sweep_projector.py configs/barlowtwins/barlowtwins_resnet18-w32*demo.py \\
        --train --out work_dirs/sweep_demo --cfg-options train_cfg.max_epochs=5
    # the full sweep (512 ... 8192) on 8 GPUs
    python tools/sweep_projector.py configs/barlowtwins/barlowtwins_resnet50*_nyu.py \\
        --train --launcher pytorch --gpus 8 --out work_dirs/sweep_r50

Each run lives in ``<out>/<config name>``; a finished one is not retrained (``--train`` trains the
missing ones, resuming an interrupted one). For each: the projector width
(``model.neck.out_channels``), on ``--num`` augmented positive pairs the mean cross-correlation
diagonal, mean |off-diagonal|, share of the diagonal above 0.9 and the effective rank (RankMe,
also divided by the width), and the last k-NN top-1 its checkpoint records. Writes ``sweep.json``,
``sweep.md`` and ``sweep.png`` in ``<out>``.
"""

import argparse
import json
import os
import os.path as osp
import sys

from mmengine.config import DictAction

from tools.lib.config import ROOT, stem
from tools.lib.cross_correlation import measure
from tools.lib.jobs import Launcher, train
from tools.lib.results import last_knn
from tools.lib.spec import data_options, final_checkpoint, load_config


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('configs', nargs='+', help='SSL configs that differ in projector width')
    p.add_argument('--out', default='work_dirs/sweep_projector')
    p.add_argument('--train', action='store_true', help='train the runs that are missing')
    p.add_argument('--data-root', help="every dataloader's and the k-NN hook's data_root")
    p.add_argument('--num', type=int, default=256, help='positive pairs for the diagnostics')
    p.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none')
    p.add_argument('--gpus', type=int, default=1)
    p.add_argument('--partition')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                   help='overrides for every run, e.g. train_cfg.max_epochs=5')  # fmt: skip
    return p.parse_args(argv)


def width_of(config: str) -> int:
    return load_config(osp.relpath(osp.abspath(config), ROOT)).model.neck.out_channels


def pair_statistics(config: str, ckpt: str, opts: dict, num: int) -> dict:
    cfg = load_config(config).copy()
    cfg.merge_from_dict(opts)
    return measure(cfg, ckpt, num)[1]


def plot(rows: list, out: str):
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    w = [r['width'] for r in rows]
    panels = [
        ('mean_diagonal', 'mean cross-corr. diagonal (1 = invariant)'),
        ('mean_abs_off_diagonal', 'mean |off-diagonal| (0 = decorrelated)'),
        ('effective_rank_per_dim', 'effective rank / min(width, embeddings)'),
        ('knn_top1', 'k-NN top-1 on object crops'),
    ]
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    for ax, (key, title) in zip(axes, panels):
        pts = [(x, r[key]) for x, r in zip(w, rows) if r.get(key) is not None]
        if pts:
            ax.plot(*zip(*pts), 'o-')
        ax.set_xscale('log', base=2)
        ax.set_xticks(w, [str(x) for x in w])
        ax.set_xlabel('projector width')
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    rows = []
    for config in sorted(args.configs, key=width_of):
        config = osp.relpath(osp.abspath(config), ROOT)
        opts = dict(data_options(config, args.data_root), **args.cfg_options)
        work = osp.join(args.out, stem(config))
        ckpt = osp.join(work, final_checkpoint(config, opts))
        width = width_of(config)
        print(f'\n== width {width}: {stem(config)}', flush=True)
        if not osp.isfile(osp.join(ROOT, ckpt)):
            job = dict(config=config, work_dir=work, checkpoint=ckpt, options=opts)
            if not args.train:
                print(f'   not trained ({ckpt}); --train trains it')
                continue
            if not train(job, Launcher(args.launcher, args.gpus, args.partition)):
                return 1
        stats = pair_statistics(config, osp.join(ROOT, ckpt), opts, args.num)
        row = dict(width=width, config=config, checkpoint=ckpt, pairs=args.num, **stats)
        row['effective_rank_per_dim'] = stats['effective_rank'] / min(width, 2 * args.num)
        row['knn_top1'] = last_knn(osp.join(ROOT, ckpt))
        print('   ' + ', '.join(f'{k} {v:.4f}' for k, v in row.items() if isinstance(v, float)))
        rows.append(row)
    if not rows:
        print('nothing to report: no run is trained', file=sys.stderr)
        return 1
    out = osp.join(ROOT, args.out)
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'sweep.json'), 'w') as f:
        json.dump(rows, f, indent=2)
    lines = ['| width | mean diag | mean abs off-diag | diag > 0.9 | eff. rank | eff. rank / dim* '
             '| k-NN top-1 |', '|---|---|---|---|---|---|---|']  # fmt: skip
    for r in rows:
        knn = f'{r["knn_top1"]:.3f}' if r['knn_top1'] is not None else ''
        lines.append(f"| {r['width']} | {r['mean_diagonal']:.3f} | "
                     f"{r['mean_abs_off_diagonal']:.3f} | {r['diagonal_above_0_9']:.3f} | "
                     f"{r['effective_rank']:.1f} | {r['effective_rank_per_dim']:.3f} | "
                     f'{knn} |')  # fmt: skip
    lines.append(f'\n*rank of {2 * args.num} embeddings: at most min(width, {2 * args.num}).')
    with open(osp.join(out, 'sweep.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    plot(rows, osp.join(out, 'sweep.png'))
    print('\n' + '\n'.join(lines))
    print(f'\nwritten: {args.out}/sweep.json, sweep.md, sweep.png')
    return 0


if __name__ == '__main__':
    sys.exit(main())
