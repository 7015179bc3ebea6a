"""How well an UP-DETR model finds its query patches on held-out images (patch-box COCO AP).

    python tools/updetr_patch_ap.py CONFIG [CHECKPOINT] [--mismatch] [--cfg-options ...]

The config's test split (for the UP-DETR configs: the labeled validation images, never seen
in pretraining, with patches drawn from a fixed seed) is scored like ``tools/test.py`` does.
Without a checkpoint the *untrained* model is scored: the config's initialisation (the
pretrained backbone, a fresh transformer), the baseline a pretraining run must beat.
``--mismatch`` is the control: the same target boxes, but each query patch is cut from
another random box of the image (``RandomQueryPatches(mismatch=True)``). A model that finds
its patches scores far lower there; one that has only learned where patches usually are (the
box prior) scores the same. Metrics go to ``<work_dir>/metrics.json`` (default
``work_dirs/<config>/patch_ap[_untrained][_mismatch]``).
"""

import argparse
import json
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description='Patch-box AP of an UP-DETR model')
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='omit to score the untrained model')
    parser.add_argument(
        '--mismatch', action='store_true', help='control: crops unrelated to the target boxes'
    )
    parser.add_argument('--work-dir')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    stem = osp.splitext(osp.basename(args.config))[0]
    sub = 'patch_ap' if args.checkpoint else 'patch_ap_untrained'
    if args.mismatch:
        patches = [
            t
            for t in cfg.test_dataloader.dataset.pipeline
            if t['type'].split('.')[-1] == 'RandomQueryPatches'
        ]
        if not patches:
            raise ValueError('--mismatch: the test pipeline has no RandomQueryPatches')
        patches[0]['mismatch'] = True
        sub += '_mismatch'
    cfg.work_dir = args.work_dir or osp.join('work_dirs', stem, sub)
    cfg.load_from = args.checkpoint
    runner = Runner.from_cfg(cfg)
    if not args.checkpoint:
        runner.model.init_weights()
    metrics = runner.test()
    os.makedirs(cfg.work_dir, exist_ok=True)
    with open(osp.join(cfg.work_dir, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    what = args.checkpoint or 'untrained (initialised) model'
    what += ', query patches unrelated to the boxes (control)' if args.mismatch else ''
    print(f'\npatch-box AP of {what}:')
    for k in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_AR@100'):
        if f'coco/{k}' in metrics:
            print(f'{k:>12}: {metrics[f"coco/{k}"]:.4f}')
    return metrics


if __name__ == '__main__':
    main()
