"""Publish a checkpoint as mmdet's publish_model.py does, in a file that loads safely anywhere.

    python tools/publish_model.py work_dirs/<config>/epoch_12.pth faster-rcnn_demo.pth
    # -> faster-rcnn_demo-<sha256[:8]>.pth

mmdet's own ``tools/model_converters/publish_model.py`` cannot read this project's checkpoints
under torch >= 2.6 (``weights_only=True`` refuses mmengine's ``HistoryBuffer``). This one reads
them with :func:`custom_modules.engine.safe_torch_load` and keeps only the weights and plain
metadata (no optimizer, scheduler or message hub), so the published file loads with
``torch.load(path, weights_only=True)`` without any allow-list; its name ends with the first 8
hex digits of its SHA-256, as mmdet's does.
"""

import argparse
import hashlib
import os
import os.path as osp

import torch

from custom_modules.engine import safe_torch_load

META_KEYS = ('epoch', 'iter', 'cfg', 'seed', 'experiment_name', 'mmengine_version', 'dataset_meta')


def plain(value):
    """``value`` if it is made of builtins only (what weights_only loads without help)."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    if isinstance(value, (list, tuple)):
        return all(plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    return False


def publish(src: str, out: str) -> str:
    """Write ``src``'s weights and plain metadata to ``<out stem>-<sha256[:8]>.pth``.

    Returns:
        str: The path written.
    """
    ckpt = safe_torch_load(src, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    meta = {k: v for k, v in (ckpt.get('meta') or {}).items() if k in META_KEYS and plain(v)}
    tmp = out + '.tmp'
    torch.save(dict(state_dict=state, meta=meta), tmp)
    with open(tmp, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    final = f'{osp.splitext(out)[0]}-{sha[:8]}.pth'
    os.replace(tmp, final)
    return final


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='checkpoint written by training')
    parser.add_argument('out', help='published file name (the hash is appended)')
    args = parser.parse_args(argv)
    final = publish(args.src, args.out)
    print(f'{final}: {osp.getsize(final) / 1e6:.1f} MB, weights and metadata of {args.src}')
    return final


if __name__ == '__main__':
    main()
