"""What an SSL backbone's features follow on the demo's unlabeled images: the object or the
background behind it.

    python tools/probe_shortcuts.py SSL_CONFIG [CKPT ...] [--objects 16] [--backgrounds 16] \\
        [--size 64] [--cfg-options k=v ...]

Two views of one unlabeled image share its object and its background; a pretraining that makes
them agree through the background learns nothing about objects. The images here pair every one
of ``--objects`` glyphs of the unlabeled pool with every one of ``--backgrounds`` backgrounds of
the unlabeled images (``object_background_grid`` in ``tools/lib/demo_data/glyphs.py``), so the
two vary independently. Per backbone (raw pixels, random init with the config's seed, each
checkpoint) and stage (global average pool), with cosine similarity:

* ``object``: for each image, is its nearest image among those on *other* backgrounds one of
  the same object? (chance 1 / objects)
* ``background``: is its nearest image among those of *other* objects one on the same
  background? (chance 1 / backgrounds)

A backbone that learned objects scores high on the first and low on the second. No label of
the detection data is used. Prints a Markdown table; returns its rows.
"""

import argparse

import torch
import torch.nn.functional as F
from mmengine.config import DictAction

from custom_modules.progress import progress
from tools.lib.config import read_config
from tools.lib.demo_data import object_background_grid
from tools.lib.models import probed_backbones, raw_pixels, stage_features


def nearest_shares(feats, obj, bg):
    """(object score, background score) of (N, C) features: the share of images whose nearest
    neighbour on another background shows the same object, and whose nearest neighbour of
    another object shows the same background."""
    f = F.normalize(feats.float(), dim=1)
    sim = f @ f.T
    obj, bg = torch.as_tensor(obj), torch.as_tensor(bg)
    same_obj, same_bg = obj[:, None] == obj[None], bg[:, None] == bg[None]
    nn_obj = sim.masked_fill(same_bg, -2).argmax(1)  # among other backgrounds
    nn_bg = sim.masked_fill(same_obj, -2).argmax(1)  # among other objects
    return float((obj[nn_obj] == obj).float().mean()), float((bg[nn_bg] == bg).float().mean())


def probe(cfg, ckpts, images, obj, bg):
    """Rows of (name, stage, object score, background score): raw pixels (stage 0), then
    random init and ``ckpts`` at every stage."""
    rows = [('raw pixels', 0, *nearest_shares(raw_pixels(images), obj, bg))]
    models = probed_backbones(cfg, ckpts)
    for name, model in progress(models, 'backbones probed', unit='backbone', total=1 + len(ckpts)):
        with torch.no_grad():
            feats = stage_features(model, images)
        rows += [(name, s + 1, *nearest_shares(f, obj, bg)) for s, f in enumerate(feats)]
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the SSL config (its backbone and preprocessing)')
    parser.add_argument('checkpoints', nargs='*', help='SSL checkpoints to probe')
    parser.add_argument('--objects', type=int, default=16)
    parser.add_argument('--backgrounds', type=int, default=16)
    parser.add_argument('--size', type=int, default=64, help='image side (the demo views: 64)')
    parser.add_argument('--seed', type=int, default=0, help='which objects and backgrounds')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries (its backbone, preprocessing)')  # fmt: skip
    args = parser.parse_args(argv)
    if min(args.objects, args.backgrounds) < 2:
        parser.error('--objects and --backgrounds need two or more each')
    cfg = read_config(args.config, args.cfg_options)
    images, obj, bg = object_background_grid(args.objects, args.backgrounds, args.size,
                                             args.seed)  # fmt: skip
    rows = probe(cfg, args.checkpoints, images, obj, bg)
    print(f'chance: object {1 / args.objects:.3f}, background {1 / args.backgrounds:.3f} '
          f'({args.objects} objects x {args.backgrounds} backgrounds, {args.size} px)')  # fmt: skip
    print('| backbone | stage | object | background |\n|---|---|---|---|')
    for name, stage, o, b in rows:
        print(f'| {name} | {stage or "pixels"} | {o:.3f} | {b:.3f} |')
    return rows


if __name__ == '__main__':
    main()
