"""Cross-correlation of the projector outputs of N augmented positive pairs (the report's
Figure 2b), as a heatmap and four numbers.

    python tools/vis_cross_correlation.py SSL_CONFIG SSL_CKPT [--num 64] [--out PNG]
        [--data-root DIR] [--cfg-options k=v ...]

Takes N images of the config's training set, makes two augmented views of each with the
config's own pipeline, embeds them with the checkpoint's backbone and projector (eval mode),
standardises every dimension over the batch and computes ``C = z1n.T @ z2n / N``. Prints the
mean diagonal (invariance: 1 is perfect), the mean |off-diagonal| (redundancy: 0 is perfect),
the share of diagonal entries above 0.9, and the effective rank of the embeddings (RankMe:
exp of the entropy of the normalised singular values; collapse gives a rank near 1).
"""

import argparse
import os.path as osp

import torch

from tools.lib.config import add_data_arguments, read_config
from tools.lib.cross_correlation import measure


def plot(c: torch.Tensor, stats: dict, out: str, title: str):
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=110)
    im = ax.imshow(c.numpy(), cmap='RdBu_r', vmin=-1, vmax=1, interpolation='nearest')
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title(
        f'{title}\ndiag {stats["mean_diagonal"]:.3f}, '
        f'|off| {stats["mean_abs_off_diagonal"]:.3f}, '
        f'rank {stats["effective_rank"]:.1f}',
        fontsize=9,
    )
    ax.set_xlabel('view 2 dimension')
    ax.set_ylabel('view 1 dimension')
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--num', type=int, default=64, help='positive pairs (default 64)')
    parser.add_argument('--out', help='PNG (default: next to the checkpoint)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--show-dims',
        type=int,
        help='plot only the first N dimensions (the numbers always use all)',
    )
    add_data_arguments(parser)
    args = parser.parse_args(argv)
    cfg = read_config(args.config, args.cfg_options, args.data_root)
    c, stats, pairs = measure(cfg, args.checkpoint, args.num, args.seed)
    out = args.out or osp.splitext(args.checkpoint)[0] + '_cross_correlation.png'
    shown = c[: args.show_dims, : args.show_dims] if args.show_dims else c
    title = f'{osp.basename(args.checkpoint)}: {pairs} pairs, D={c.shape[0]}'
    if shown.shape != c.shape:
        title += f' (first {shown.shape[0]} shown)'
    plot(shown, stats, out, title)
    for k, v in stats.items():
        print(f'{k:>22}: {v:.4f}')
    print(f'heatmap: {out}')
    return stats


if __name__ == '__main__':
    main()
