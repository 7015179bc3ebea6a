"""Write the backbone of an SSL (or any mmengine) checkpoint as a backbone-only checkpoint.

    python tools/extract_backbone.py work_dirs/<ssl config>/epoch_150.pth backbone.pth

The output holds ``state_dict`` with the ``backbone.`` prefix removed (what a detector's
``backbone.init_cfg = dict(type='Pretrained', checkpoint='backbone.pth')`` expects) and a
``meta`` naming the source. A detector can also load the full SSL checkpoint directly with
``init_cfg=dict(type='Pretrained', checkpoint=FULL, prefix='backbone.')``.
"""

import argparse
import os.path as osp

import torch

from custom_modules.engine import safe_torch_load


def extract(src: str, prefix: str = 'backbone.') -> dict:
    """The ``prefix``-stripped tensors of ``src``'s state dict, in a checkpoint dict."""
    ckpt = safe_torch_load(src, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    kept = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    if not kept:
        heads = sorted({k.split('.')[0] for k in state})
        raise KeyError(f'no "{prefix}*" tensors in {src}; its top-level names are {heads}')
    meta = dict(source=osp.abspath(src), prefix=prefix)
    if isinstance(ckpt.get('meta'), dict):
        meta.update({k: ckpt['meta'][k] for k in ('epoch', 'iter') if k in ckpt['meta']})
    return dict(state_dict=kept, meta=meta)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='SSL checkpoint')
    parser.add_argument('out', help='backbone-only checkpoint to write')
    parser.add_argument('--prefix', default='backbone.')
    args = parser.parse_args(argv)
    out = extract(args.src, args.prefix)
    torch.save(out, args.out)
    n = sum(v.numel() for v in out['state_dict'].values())
    print(
        f'{args.out}: kept {len(out["state_dict"])} tensors ({n / 1e6:.2f} M values) '
        f'with prefix "{args.prefix}" from {args.src}'
    )


if __name__ == '__main__':
    main()
