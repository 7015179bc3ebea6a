"""Is training with this config bitwise reproducible on this device? Train the same steps twice.

    python tools/check_determinism.py CONFIG [--data-root data/demo/] [--steps 4] \\
        [--device cpu|cuda] [--bf16] [--batch-size N] [--cfg-options ...]

Both trials start from the same seed (``set_random_seed(seed, deterministic=True)``: cuDNN
deterministic, benchmark off, ``torch.use_deterministic_algorithms``), build and initialise the
model, and run ``model.train_step`` (preprocessing, forward, backward, optimiser step) on the
same fixed batches, made once by the config's own train pipeline (from ``--data-root``, or
from a small demo data set written to a temporary folder). Data loading is thus taken out of
the comparison: what is checked is the arithmetic of the model, its ops and the optimiser.
Prints each step's losses, then the largest difference of any logged loss and of any weight
after the last step; the last line is ``bitwise deterministic: yes`` or ``no (...)``. The exit
status is 0 either way (``--strict``: 1 when not bitwise equal).
"""

import argparse
import copy
import os
import os.path as osp
import sys
import tempfile

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import set_random_seed

from tools.lib.demo_data import write_demo_data
from tools.lib.models import build_batches, build_model


def trial(cfg, batches, device, bf16, seed):
    """Losses of every step and the final state dict of one training run over ``batches``."""
    from mmengine.optim import build_optim_wrapper

    set_random_seed(seed, deterministic=True)
    model = build_model(cfg)
    model.init_weights()
    model = model.to(device).train()
    optim_cfg = copy.deepcopy(cfg.optim_wrapper)
    for key in ('channels_last', 'enabled'):
        optim_cfg.pop(key, None)
    optim_cfg.type = 'BF16OptimWrapper' if bf16 else 'OptimWrapper'
    if bf16:
        optim_cfg.enabled = True
    wrapper = build_optim_wrapper(model, optim_cfg)
    losses = []
    for batch in batches:
        log = model.train_step(copy.copy(batch), wrapper)
        losses.append({k: v.detach().double().cpu() for k, v in log.items()})
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return losses, state


def compare(a, b):
    """(bitwise equal?, max |loss diff|, max |weight diff|, tensors differing, tensors)."""
    (la, sa), (lb, sb) = a, b
    loss_diff = max(float((x[k] - y[k]).abs().max()) for x, y in zip(la, lb) for k in x)
    differing, weight_diff = 0, 0.0
    for k, v in sa.items():
        if not torch.equal(v, sb[k]):
            differing += 1
            if v.is_floating_point():
                weight_diff = max(weight_diff, float((v - sb[k]).abs().max()))
    equal = differing == 0 and all(torch.equal(x[k], y[k]) for x, y in zip(la, lb) for k in x)
    return equal, loss_diff, weight_diff, differing, len(sa)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--data-root', help='data to make the batches from (default: demo data)')
    parser.add_argument('--steps', type=int, default=4, help='training steps per trial')
    parser.add_argument('--batch-size', type=int, help="images per batch (default: the config's)")
    parser.add_argument('--device', help='cpu or cuda (default: cuda if present)')
    parser.add_argument('--bf16', action='store_true', help='train in bf16 autocast')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--strict', action='store_true', help='exit 1 unless bitwise equal')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override entries')
    args = parser.parse_args(argv)
    # cuBLAS is deterministic only with a fixed workspace: set before its first use
    os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
    from mmengine.logging import MMLogger

    MMLogger.get_instance('check_determinism', log_level='WARNING')  # no init report per trial
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    with tempfile.TemporaryDirectory(prefix='check_determinism_') as tmp:
        data_root = args.data_root
        if data_root is None:
            data_root = tmp + '/'
            write_demo_data(tmp, seed=0, train=16, val=1, unlabeled=64)
        set_random_seed(args.seed)  # the batches' augmentations
        batches = build_batches(cfg, data_root, args.batch_size, args.steps)
    where = torch.cuda.get_device_name() if device == 'cuda' else 'CPU'
    print(f'{osp.basename(args.config)} on {where}, torch {torch.__version__}, '
          f'{"bf16 autocast" if args.bf16 else "fp32"}, {args.steps} steps')  # fmt: skip
    try:
        runs = [trial(cfg, batches, device, args.bf16, args.seed) for _ in range(2)]
    except RuntimeError as e:  # torch.use_deterministic_algorithms refuses an op
        if 'deterministic' not in str(e):
            raise
        print(f'bitwise deterministic: no (an op has no deterministic implementation: {e})')
        return 1 if args.strict else 0
    for step, (x, y) in enumerate(zip(runs[0][0], runs[1][0]), 1):
        terms = ', '.join(
            f'{k} {float(x[k]):.6f}' + ('' if torch.equal(x[k], y[k]) else f' vs {float(y[k]):.6f}')
            for k in x
        )
        print(f'  step {step}: {terms}')
    equal, loss_diff, weight_diff, differing, total = compare(*runs)
    if equal:
        print('bitwise deterministic: yes')
        return 0
    print(
        f'bitwise deterministic: no (losses differ by up to {loss_diff:.3g}; {differing} of '
        f'{total} tensors differ after the last step, by up to {weight_diff:.3g})'
    )
    return 1 if args.strict else 0


if __name__ == '__main__':
    sys.exit(main())
