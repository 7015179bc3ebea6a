"""Cross-correlation of the projector outputs of N augmented positive pairs (the report's
Figure 2b), as a heatmap and four numbers.

    python tools/vis_cross_correlation.py SSL_CONFIG SSL_CKPT [--num 64] [--out PNG]

Takes N images of the config's training set, makes two augmented views of each with the
config's own pipeline, embeds them with the checkpoint's backbone and projector (eval mode),
standardises every dimension over the batch and computes ``C = z1n.T @ z2n / N``. Prints the
mean diagonal (invariance: 1 is perfect), the mean |off-diagonal| (redundancy: 0 is perfect),
the share of diagonal entries above 0.9, and the effective rank of the embeddings (RankMe:
exp of the entropy of the normalised singular values; collapse gives a rank near 1).
"""

import argparse
import os.path as osp
import random
import sys

import numpy as np
import torch
from mmengine.config import Config, DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from custom_modules.models.diagnostics import (  # noqa: E402
    cross_correlation,
    summarize,
)


def build_ssl_model(cfg, ckpt: str = None):
    """The config's mmpretrain model (eval mode) as the runner builds it: mmpretrain configs keep
    ``data_preprocessor`` (mean, std, BGR->RGB) at the top level and the runner moves it into
    the model; ``MODELS.build(cfg.model)`` alone would feed raw 0-255 BGR pixels."""
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS

    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    if ckpt:
        load_checkpoint(model, ckpt, map_location='cpu')
    return model.eval()


def embed_pairs(cfg, ckpt: str, num: int, seed: int = 0):
    """(num, D) projector outputs of both views of ``num`` training images."""
    from mmengine.dataset import default_collate
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS

    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(dataset), size=min(num, len(dataset)), replace=False)
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    batch = default_collate([dataset[int(i)] for i in idx])
    model = build_ssl_model(cfg, ckpt)
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        views = data['inputs']
        z1, z2 = (model.neck(model.backbone(v))[0] for v in views[:2])
    return z1, z2


def measure(cfg, ckpt: str, num: int, seed: int = 0):
    """The cross-correlation matrix of up to ``num`` embedded positive pairs, its four numbers
    and the number of pairs."""
    z1, z2 = embed_pairs(cfg, ckpt, num, seed)
    c = cross_correlation(z1, z2)
    return c, summarize(c, torch.cat([z1, z2])), len(z1)


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
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='overrides')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
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
