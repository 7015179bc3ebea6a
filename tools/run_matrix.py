"""Train and evaluate a pretraining x detector matrix from a spec file; write the results table.

    python tools/run_matrix.py configs/matrix/demo.yml [--seeds 0 1 2]
    python tools/run_matrix.py configs/matrix/nyu_report.yml --launcher pytorch --gpus 8
    python tools/run_matrix.py configs/matrix/nyu_report.yml --launcher slurm --gpus 16 \\
        --partition PART

A spec (YAML) names the pretraining runs and the detectors fine-tuned from them:

    name: demo                      # results in work_dirs/<name>/ (or --out)
    seeds: [0]                      # every run once per seed (randomness.seed)
    data_root: data/demo/           # optional: every dataset's data_root (the k-NN hook's too)
    precision: auto                 # optional: auto (default), bf16 or fp32 (--precision)
    classes: [dog, domestic cat]    # optional: every labeled dataset's classes (spaces are
                                    # fine), their number every num_classes of the model; without
                                    # it a COCO json's categories set num_classes
    label_fractions: [0.1, 1.0]     # optional: every fine-tune once per fraction of the
                                    # labeled training images (a class-stratified subset drawn
                                    # by the run's seed, the same for every initialisation:
                                    # LabelFractionDataset, any dataset); an entry may set its own
    pretraining:
      - {name: barlowtwins, label: Barlow Twins, config: configs/barlowtwins/....py}
    detection:
      - {config: configs/faster_rcnn/....py, backbone: ResNet-18, detector: Faster R-CNN,
         pretraining: null}          # random init
      - {config: ..., backbone: ..., detector: ..., pretraining: barlowtwins,
         checkpoint_key: model.backbone.init_cfg.checkpoint}   # the default key
    options: {}                     # --cfg-options for every run; an entry may add its own
    # an entry may also say `seeds: [0]` to run for those seeds only; a pretraining entry
    # limited that way gives its first run to the fine-tunes of every seed; a detection entry
    # whose labeled images are not train_dataloader.dataset names them, e.g. Soft Teacher's
    # `labeled_dataset: train_dataloader.dataset.datasets.0`; two entries of one config (other
    # options) need their own work dirs: `run_name: NAME` instead of the config's name

With ``--jobs N`` up to N runs go at once, each fine-tune as soon as its pretraining run has
finished; every output line then starts with the run's tag.

Each run has its own work dir, ``<out>/seed<S>/<config name or run_name>`` (a fine-tune of a
spec with ``label_fractions``: ``<out>/seed<S>/frac<F>/<config name or run_name>``), and trains
the config it writes there (``<config name>.py``: the spec's options merged, the labeled
dataset wrapped for a fraction; nothing on the command line but the file). A run whose
last checkpoint exists is skipped, one with a ``last_checkpoint`` but no final checkpoint is
resumed, and a detector is tested (``tools/test.py``) unless its ``test/metrics.json`` is newer
than its checkpoint. A fine-tune gets its pretraining run's last checkpoint of the same seed
through ``checkpoint_key``.

Writes ``<out>/results.json`` (one row per detector and seed: backbone, pretraining, detector,
config, checkpoint, bbox_mAP, bbox_mAP_50, bbox_mAP_75, train_minutes, seed, label_fraction),
``<out>/ssl.json`` (each pretraining run's last k-NN probe and the one before training,
as its checkpoint records them) and ``<out>/results.md``: the
report's table, and with several seeds the mean and standard deviation per row and the paired
gap of every pretrained detector over its random-init twin (same seed, same fraction). With
several fractions, ``<out>/label_fractions.png`` plots mAP against the fraction per
initialisation, mean and the seeds' spread.
"""

import argparse
import os.path as osp
import sys
import time
import warnings

from tools.lib.config import ROOT
from tools.lib.jobs import Launcher, Progress, run_job, schedule
from tools.lib.results import collect, write_results
from tools.lib.spec import describe, load_spec, plan

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('spec', help='YAML spec, e.g. configs/matrix/demo.yml')
    p.add_argument('--seeds', type=int, nargs='+', help='override the spec seeds')
    p.add_argument('--out', help='default: work_dirs/<spec name>')
    p.add_argument('--data-root', help="override the spec's data_root")
    p.add_argument(
        '--precision',
        choices=['auto', 'bf16', 'fp32'],
        help="every run in bf16 or in fp32, whatever the machine (default: the spec's "
        'precision, else auto: bf16 where the device computes it natively); '
        'results then go to work_dirs/<spec name>-<precision>',
    )
    p.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none')
    p.add_argument('--gpus', type=int, default=1, help='processes per run (pytorch / slurm)')
    p.add_argument('--partition', help='Slurm partition (--launcher slurm)')
    p.add_argument('--only', choices=['pretraining', 'detection'], help='one half of the matrix')
    p.add_argument('--dry-run', action='store_true', help='print the commands, run nothing')
    p.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='runs at once (default 1); a fine-tune starts when its pretraining is '
        'done, so with 2 the random-init fine-tunes train beside the pretraining. '
        'On a CPU give each run its share of the cores (OMP_NUM_THREADS)',
    )
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.launcher == 'slurm' and not args.partition:
        raise SystemExit('--launcher slurm needs --partition')
    spec = load_spec(args.spec, args.seeds, args.out, args.data_root, args.precision)
    jobs = plan(spec, args.only)
    slots = max(1, args.jobs)
    progress = Progress(jobs, slots)
    launcher = Launcher(args.launcher, args.gpus, args.partition)

    def run_one(k):
        tag = f'[{k + 1}] ' if slots > 1 else ''
        return run_job(jobs, k, progress, launcher, args.dry_run, tag)

    failed = [describe(jobs[k]) for k in schedule(jobs, slots, run_one)]
    if args.dry_run:
        return 0
    rows, ssl_rows = collect(jobs)
    md, plotted = write_results(osp.join(ROOT, spec['out']), rows, ssl_rows, spec['seeds'])
    if plotted:
        md += f'\nplot: {spec["out"]}/label_fractions.png\n'
    print('\n' + md)
    print(f"written: {spec['out']}/results.json, results.md, ssl.json "
          f'({(time.time() - progress.t0) / 60:.1f} min)')  # fmt: skip
    if failed:
        print('failed: ' + '; '.join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
