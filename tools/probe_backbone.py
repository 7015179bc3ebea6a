"""What an SSL backbone knows about the labelled objects: k-NN top-1 on object crops at every
stage, beside raw pixels and a random-init backbone.

    python tools/probe_backbone.py SSL_CONFIG [CKPT ...] [--data-root DIR] \\
        [--crop-size 32 64] [--max-train 2000] [--max-val 1000] \\
        [--held-out N | --probe-data FILE] [--cfg-options k=v ...]

Crops around the labelled boxes of the training set are the memory and those of the
validation set the queries (the same crops as ``KNNProbeHook``); each row embeds them with a
backbone (random init with the config's seed, or a checkpoint), global-average-pools every
stage and reports the weighted k-NN top-1 per stage. The ``raw pixels`` row flattens the
grey-level crop (mean removed): a backbone stage that scores below it has not learned what
tells the classes apart. The crops come from the datasets of the config's ``KNNProbeHook``
(``train_dataset``, ``val_dataset``: any labeled format; ``--data-root`` moves them with the
rest of the config). With ``--held-out N`` the queries are the last N images of the training
set and the memory the others, so that choosing a pretraining recipe by this probe never looks
at the validation split the detectors are scored on; where a drawing (or an instance) recurs
across training images, such queries find their twins in the memory (raw pixels score high),
and ``--probe-data FILE`` takes the memory (``train_dataset``) and the queries (``val_dataset``)
from a config file instead: on the demo, ``configs/_base_/datasets/demo_drawing_probe.py``, a new
drawing of a known class without the validation drawings (``tools/make_demo_data.py --probe``).
Prints a Markdown table.
"""

import argparse

import torch
import torch.nn.functional as F

from custom_modules.datasets import build_det_dataset
from custom_modules.hooks import knn_top1, object_crops
from custom_modules.progress import progress
from tools.lib.config import (
    add_data_arguments,
    missing_data,
    read_config,
    set_data_root,
)
from tools.lib.models import probed_backbones, raw_pixels, stage_features


def probe(cfg, train_dataset, val_dataset, ckpts, crop_sizes, max_train, max_val, k=20, t=0.07):
    """Rows of (name, crop size, [top-1 per stage]) for raw pixels, random init and ``ckpts``,
    on the object crops of two labeled dataset configs (memory, queries)."""
    rows = []
    bar = progress(range(len(crop_sizes) * (1 + len(ckpts))), 'backbones probed', unit='backbone')
    for size in crop_sizes:
        (tx, ty), (vx, vy) = (object_crops(train_dataset, size, max_train),
                              object_crops(val_dataset, size, max_val))  # fmt: skip
        ty, vy = torch.from_numpy(ty), torch.from_numpy(vy)

        def top1(a, b):
            return knn_top1(F.normalize(a, dim=1), ty, F.normalize(b, dim=1), vy, k, t)

        rows.append(('raw pixels', size, [top1(raw_pixels(tx), raw_pixels(vx))]))
        for name, model in probed_backbones(cfg, ckpts):
            feats = zip(stage_features(model, tx), stage_features(model, vx))
            rows.append((name, size, [top1(a, b) for a, b in feats]))
            bar.update()
    bar.close()
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the SSL config (its backbone and preprocessing)')
    parser.add_argument('checkpoints', nargs='*', help='SSL checkpoints to probe')
    parser.add_argument('--crop-size', type=int, nargs='+', default=[32, 64])
    parser.add_argument('--max-train', type=int, default=2000)
    parser.add_argument('--max-val', type=int, default=1000)
    parser.add_argument(
        '--held-out',
        type=int,
        metavar='N',
        help='queries: the last N training images; memory: the other ones',
    )
    parser.add_argument(
        '--probe-data',
        metavar='FILE',
        help='a config file whose train_dataset (memory) and val_dataset (queries) replace '
        "the KNNProbeHook's, e.g. configs/_base_/datasets/demo_drawing_probe.py",
    )
    add_data_arguments(
        parser,
        "the data set root (default: the config's); moves the whole config there, the "
        "KNNProbeHook's labeled datasets too",
    )
    args = parser.parse_args(argv)

    if args.held_out and args.probe_data:
        parser.error('--held-out and --probe-data choose the queries two ways: give one')
    cfg = read_config(args.config, args.cfg_options)
    hooks = [h for h in cfg.get('custom_hooks', []) if h.get('type') == 'KNNProbeHook']
    if not hooks:
        raise SystemExit(f'{args.config} has no KNNProbeHook: no labeled datasets to probe on')
    if args.probe_data:
        data = read_config(args.probe_data)
        hooks[0].update(train_dataset=data.train_dataset, val_dataset=data.val_dataset)
    if args.data_root:
        set_data_root(cfg, args.data_root)
    missing = missing_data(cfg, splits=[])  # the hooks' data only
    if missing:
        raise SystemExit('\n'.join([f'{args.config}: the k-NN probe data is missing'] + missing))
    train, val = hooks[0]['train_dataset'], hooks[0]['val_dataset']
    if args.held_out:
        n = len(build_det_dataset(train, test_mode=True))
        if not 0 < args.held_out < n:
            raise SystemExit(f'--held-out {args.held_out}: the training set has {n} images')
        train, val = dict(train, indices=n - args.held_out), dict(train, indices=-args.held_out)
    rows = probe(cfg, train, val, args.checkpoints, args.crop_size, args.max_train,
                 args.max_val)  # fmt: skip
    stages = max(len(r[2]) for r in rows)
    print('| backbone | crop px | ' + ' | '.join(f'stage {s + 1}' for s in range(stages)) + ' |')
    print('|---|---|' + '---|' * stages)
    for name, size, accs in rows:
        cells = [f'{a:.3f}' for a in accs] + [''] * (stages - len(accs))
        print(f'| {name} | {size} | ' + ' | '.join(cells) + ' |')
    return rows


if __name__ == '__main__':
    main()
