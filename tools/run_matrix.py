"""Train and evaluate a pretraining x detector matrix from a spec file; write the results table.

    python tools/run_matrix.py configs/matrix/demo.yml [--seeds 0 1 2]
    python tools/run_matrix.py configs/matrix/nyu_report.yml --launcher pytorch --gpus 8
    python tools/run_matrix.py configs/matrix/nyu_report.yml --launcher slurm --gpus 16 \\
        --partition PART

A spec (YAML) names the pretraining runs and the detectors fine-tuned from them:

    name: demo                      # results in work_dirs/<name>/ (or --out)
    seeds: [0]                      # every run once per seed (randomness.seed)
    data_root: data/demo/           # optional: every dataloader's and the k-NN hook's data_root
    classes: [zero, one, ...]       # optional: the labeled datasets' and the k-NN hook's classes
    label_fractions: [0.1, 1.0]     # optional: every fine-tune once per fraction of the
                                    # labeled training images (a class-stratified subset drawn
                                    # by the run's seed, the same for every initialisation;
                                    # NYUDetDataset's label_fraction); an entry may set its own
    pretraining:
      - {name: barlowtwins, label: Barlow Twins, config: configs/barlowtwins/....py}
    detection:
      - {config: configs/faster_rcnn/....py, backbone: ResNet-18, detector: Faster R-CNN,
         pretraining: null}          # random init
      - {config: ..., backbone: ..., detector: ..., pretraining: barlowtwins,
         checkpoint_key: model.backbone.init_cfg.checkpoint}   # the default key
    options: {}                     # --cfg-options for every run; an entry may add its own
    # an entry may also say `seeds: [0]` to run for those seeds only; a pretraining entry
    # limited that way gives its first run to the fine-tunes of every seed

With ``--jobs N`` up to N runs go at once, each fine-tune as soon as its pretraining run has
finished; every output line then starts with the run's tag.

Each run has its own work dir, ``<out>/seed<S>/<config name>`` (a fine-tune of a spec with
``label_fractions``: ``<out>/seed<S>/frac<F>/<config name>``). A run whose last checkpoint exists
is skipped, one with a ``last_checkpoint`` but no final checkpoint is resumed, and a detector is
tested (``tools/test.py``) unless its ``test/metrics.json`` is newer than its checkpoint. A
fine-tune gets its pretraining run's last checkpoint of the same seed through ``checkpoint_key``.

Writes ``<out>/results.json`` (one row per detector and seed: backbone, pretraining, detector,
config, checkpoint, bbox_mAP, bbox_mAP_50, bbox_mAP_75, train_minutes, seed, label_fraction),
``<out>/ssl.json`` (each pretraining run's last k-NN probe) and ``<out>/results.md``: the
report's table, and with several seeds the mean and standard deviation per row and the paired
gap of every pretrained detector over its random-init twin (same seed, same fraction). With
several fractions, ``<out>/label_fractions.png`` plots mAP against the fraction per
initialisation, mean and the seeds' spread.
"""

import argparse
import functools
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import threading
import time
import warnings
from collections import defaultdict

import yaml

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PY = sys.executable
RANDOM = 'none (random init)'
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('spec', help='YAML spec, e.g. configs/matrix/demo.yml')
    p.add_argument('--seeds', type=int, nargs='+', help='override the spec seeds')
    p.add_argument('--out', help='default: work_dirs/<spec name>')
    p.add_argument('--data-root', help="override the spec's data_root")
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


# ---- the spec -------------------------------------------------------------------------------
def load_spec(path: str, args) -> dict:
    with open(path) as f:
        spec = yaml.safe_load(f)
    spec.setdefault('pretraining', [])
    spec.setdefault('detection', [])
    spec.setdefault('options', {})
    spec.setdefault('label_fractions', None)
    for entry in [spec] + spec['detection']:
        for f in entry.get('label_fractions') or []:
            if not 0 < float(f) <= 1:
                raise SystemExit(f'{path}: label fraction {f} is not in (0, 1]')
    spec['seeds'] = args.seeds or spec.get('seeds', [0])
    spec['out'] = args.out or osp.join('work_dirs', spec.get('name', stem(path)))
    if args.data_root:
        spec['data_root'] = args.data_root
    names = set()
    for d in spec['pretraining'] + spec['detection']:
        if d.get('pretraining') and d['pretraining'] not in names:
            raise SystemExit(f"{path}: {d['config']} names pretraining {d['pretraining']!r}, "
                             f'which is not one of the earlier {sorted(names)}')  # fmt: skip
        if 'name' in d:
            names.add(d['name'])
    for entry in spec['pretraining'] + spec['detection']:
        if not osp.isfile(osp.join(ROOT, entry['config'])):
            raise SystemExit(f'{path}: no config {entry["config"]}')
    return spec


def stem(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


@functools.lru_cache(maxsize=None)
def _config(config: str):
    from mmengine.config import Config

    return Config.fromfile(osp.join(ROOT, config), import_custom_modules=False)


def final_checkpoint(config: str, options: dict) -> str:
    """The file name of the last checkpoint a run of ``config`` writes."""
    cfg = _config(config).copy()
    cfg.merge_from_dict(options)
    loop = cfg.train_cfg
    if 'max_epochs' in loop:
        return f'epoch_{loop.max_epochs}.pth'
    return f'iter_{loop.max_iters}.pth'


def data_options(config: str, data_root, classes=None) -> dict:
    """``data_root`` for every dataloader the config has (and its k-NN probe hook); with
    ``classes``, the class list of every labeled dataset (and of the hook)."""
    cfg, opts = _config(config), {}
    if classes and any(' ' in c for c in classes):
        # mmengine's DictAction drops every space of a list value ('domestic cat' ->
        # 'domesticcat'), so such a list cannot travel as --cfg-options
        bad = [c for c in classes if ' ' in c]
        raise SystemExit(f'spec classes {bad} contain spaces, which --cfg-options cannot '
                         'carry: set them in a config instead')  # fmt: skip
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        if data_root:
            opts[f'{split}_dataloader.dataset.data_root'] = data_root
        if classes and loader.dataset.get('type') == 'NYUDetDataset':
            opts[f'{split}_dataloader.dataset.metainfo.classes'] = list(classes)
    for i, hook in enumerate(cfg.get('custom_hooks', [])):
        if data_root and 'data_root' in hook:
            opts[f'custom_hooks.{i}.data_root'] = data_root
        if classes and 'classes' in hook:
            opts[f'custom_hooks.{i}.classes'] = list(classes)
    return opts


def cfg_options(opts: dict) -> list:
    if not opts:
        return []
    return ['--cfg-options'] + [f'{k}={_fmt(v)}' for k, v in opts.items()]


def _fmt(v):
    if isinstance(v, (list, tuple)):
        return '[' + ','.join(_fmt(x) for x in v) + ']'
    return str(v)


# ---- running ------------------------------------------------------------------------------
class Progress:
    """Prints which run starts, the time so far and an estimate of the time left."""

    def __init__(self, jobs: list, parallel: int = 1):
        self.jobs, self.parallel, self.t0 = jobs, parallel, time.time()
        self.done, self.finished, self.started = [], set(), {}
        self.producer = producers(jobs)

    def start(self, i: int, what: str):
        self.started[i] = time.time()
        left = self._eta()
        eta = f', ~{left / 60:.0f} min left' if left is not None else ''
        say(
            f'\n== [{i + 1}/{len(self.jobs)}] {what} '
            f'({time.strftime("%H:%M:%S")}, {(time.time() - self.t0) / 60:.1f} min so far{eta})'
        )

    def finish(self, i: int, seconds, fresh: bool):
        """``fresh``: it trained now (runs done before say nothing about the time left)."""
        self.finished.add(i)
        if fresh:
            self.done.append((self.jobs[i]['config'], seconds))

    def _estimate(self, job: dict):
        """A run's seconds: the mean of the finished runs of its config, else the spec's
        ``minutes``, else the mean of all finished runs (None: no idea yet)."""
        same = [s for c, s in self.done if c == job['config']]
        every = [s for _, s in self.done]
        if same:
            return sum(same) / len(same)
        if job.get('minutes'):
            return 60 * job['minutes']
        return sum(every) / len(every) if every else None

    def _eta(self):
        """Seconds left: the remaining work spread over ``parallel`` slots, but never less than
        the longest chain (a pretraining run, then a fine-tune from it)."""
        left = {}
        for k, job in enumerate(self.jobs):
            if k in self.finished:
                continue
            est = self._estimate(job)
            if est is None:
                return None
            left[k] = max(0.0, est - (time.time() - self.started.get(k, time.time())))
        chains = [v + left.get(self.producer.get(self.jobs[k].get('needs')), 0.0)
                  for k, v in left.items()]  # fmt: skip
        return max(sum(left.values()) / self.parallel, max(chains, default=0.0))


def producers(jobs: list) -> dict:
    """{checkpoint: index} of the pretraining jobs: which job a fine-tune's ``needs`` waits for."""
    return {j['checkpoint']: k for k, j in enumerate(jobs) if j['kind'] == 'pretraining'}


def say(text: str, tag: str = '', file=None):
    """Print whole lines, each prefixed with ``tag`` (the run's, when several run at once)."""
    with _PRINT:
        for line in text.split('\n'):
            print(tag + line, file=file or sys.stdout, flush=True)


_PRINT = threading.Lock()


def run(cmd: list, log: str, dry: bool, tag: str = '') -> int:
    """Run one command, echoing one line per epoch (and errors); the full output goes to log."""
    say('$ ' + ' '.join(cmd), tag)
    if dry:
        return 0
    os.makedirs(osp.dirname(log), exist_ok=True)
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    last_epoch, tail = None, []
    with open(log, 'a') as f, subprocess.Popen(cmd, cwd=ROOT, env=env, text=True,
                                              stdout=subprocess.PIPE,
                                              stderr=subprocess.STDOUT) as proc:  # fmt: skip
        f.write('$ ' + ' '.join(cmd) + '\n')
        for line in proc.stdout:
            f.write(line)
            tail = (tail + [line])[-40:]
            m = re.search(r'Epoch\(train\)\s*\[(\d+)\]', line)
            if m and m[1] != last_epoch:
                last_epoch = m[1]
                say('   ' + re.sub(r'^.* - mmengine - INFO - ', '', line.rstrip())[:150], tag)
            elif re.search(r'k-NN probe|coco/bbox_mAP:|bbox_mAP\s*:', line):
                say('   ' + re.sub(r'^.* - mmengine - INFO - ', '', line.rstrip())[:150], tag)
    if proc.returncode != 0:
        say(''.join(tail).rstrip('\n'), tag, sys.stderr)
        say(f'failed (exit {proc.returncode}); full log: {log}', tag, sys.stderr)
    return proc.returncode


def train_cmd(args, config: str, work: str, opts: dict, resume: bool) -> list:
    extra = ['--work-dir', work] + (['--resume'] if resume else []) + cfg_options(opts)
    if args.launcher == 'pytorch':
        return ['bash', 'tools/dist_train.sh', config, str(args.gpus)] + extra
    if args.launcher == 'slurm':
        if not args.partition:
            raise SystemExit('--launcher slurm needs --partition')
        os.environ['GPUS'] = str(args.gpus)
        return ['bash', 'tools/slurm_train.sh', args.partition, stem(config), config, work] + extra[
            2:
        ]
    return [PY, 'tools/train.py', config] + extra


def test_cmd(args, config: str, ckpt: str, work: str, opts: dict) -> list:
    test_dir = osp.join(work, 'test')
    extra = ['--work-dir', test_dir, '--outfile-prefix', osp.join(test_dir, 'predictions')]
    extra += cfg_options(opts)
    if args.launcher == 'pytorch':
        return ['bash', 'tools/dist_test.sh', config, ckpt, str(args.gpus)] + extra
    if args.launcher == 'slurm':
        return ['bash', 'tools/slurm_test.sh', args.partition, stem(config), config, ckpt] + extra
    return [PY, 'tools/test.py', config, ckpt] + extra


def train(args, job: dict, tag: str = '') -> bool:
    """Train one run unless its last checkpoint exists; resume an interrupted one."""
    work, ckpt = job['work_dir'], job['checkpoint']
    if osp.isfile(osp.join(ROOT, ckpt)):
        say(f'   done before: {ckpt}', tag)
        return True
    resume = osp.isfile(osp.join(ROOT, work, 'last_checkpoint'))
    if resume:
        say(f'   resuming the interrupted run in {work}', tag)
    start = time.time()
    rc = run(train_cmd(args, job['config'], work, job['options'], resume),
             osp.join(ROOT, work, 'run_matrix.log'), args.dry_run, tag)  # fmt: skip
    if args.dry_run:
        return True
    if rc != 0 or not osp.isfile(osp.join(ROOT, ckpt)):
        say(f'   no {ckpt}: training failed', tag, sys.stderr)
        return False
    seconds_file = osp.join(ROOT, work, 'train_seconds')  # summed over interruptions
    before = float(open(seconds_file).read()) if resume and osp.isfile(seconds_file) else 0.0
    with open(seconds_file, 'w') as f:
        f.write(f'{before + time.time() - start:.1f}\n')
    return True


def test(args, job: dict, tag: str = '') -> bool:
    work, ckpt = job['work_dir'], job['checkpoint']
    metrics = osp.join(ROOT, work, 'test', 'metrics.json')
    if osp.isfile(metrics) and osp.getmtime(metrics) > osp.getmtime(osp.join(ROOT, ckpt)):
        say(f'   tested before: {osp.relpath(metrics, ROOT)}', tag)
        return True
    test_opts = {k: v for k, v in job['options'].items() if not k.startswith('train')}
    rc = run(test_cmd(args, job['config'], ckpt, work, test_opts),
             osp.join(ROOT, work, 'test', 'run_matrix.log'), args.dry_run, tag)  # fmt: skip
    return rc == 0 and (args.dry_run or osp.isfile(metrics))


def plan(spec: dict, only=None) -> list:
    """Every run of the matrix, seed by seed, pretraining first (a fine-tune needs its
    checkpoint). A pretraining entry may start from an earlier one (UP-DETR from Barlow Twins)."""
    jobs, ssl = [], {}
    for seed in spec['seeds']:
        for p in spec['pretraining']:
            if seed not in p.get('seeds', spec['seeds']):
                continue
            job = _link(_job(spec, p, seed, 'pretraining'), p, ssl, seed)
            ssl[p['name'], seed] = job
            if only != 'detection':
                jobs.append(job)
        for d in spec['detection'] if only != 'pretraining' else []:
            if seed not in d.get('seeds', spec['seeds']):
                continue
            fractions = d.get('label_fractions', spec['label_fractions']) or [None]
            for fraction in dict.fromkeys(fractions):  # each once, in order
                job = _job(spec, d, seed, 'detection', fraction)
                jobs.append(_link(job, d, ssl, seed))
    return jobs


def _link(job: dict, entry: dict, ssl: dict, seed: int) -> dict:
    """Point ``job`` at the last checkpoint of the pretraining run its entry names."""
    if entry.get('pretraining'):
        # a pretraining entry limited to some seeds serves the other seeds with its first run
        src = ssl.get((entry['pretraining'], seed)) or next(
            v for (name, _), v in ssl.items() if name == entry['pretraining']
        )
        key = entry.get('checkpoint_key', 'model.backbone.init_cfg.checkpoint')
        job['options'][key] = src['checkpoint']
        job['pretraining_label'] = entry.get('pretraining_label') or src.get(
            'label', entry['pretraining']
        )
        job['needs'] = src['checkpoint']
    return job


def _job(spec: dict, entry: dict, seed: int, kind: str, fraction=None) -> dict:
    """One run; ``fraction`` (a fine-tune of a spec with label fractions): the share of the
    labeled training images, a subset drawn by the run's seed."""
    opts = dict(data_options(entry['config'], spec.get('data_root'), spec.get('classes')))
    opts.update(spec['options'])
    opts.update(entry.get('options', {}))
    opts['randomness.seed'] = seed
    work = osp.join(spec['out'], f'seed{seed}')
    if fraction is not None:
        opts['train_dataloader.dataset.label_fraction'] = float(fraction)
        opts['train_dataloader.dataset.fraction_seed'] = seed
        work = osp.join(work, f'frac{float(fraction):g}')
    work = osp.join(work, stem(entry['config']))
    ckpt = osp.join(work, final_checkpoint(entry['config'], opts))
    return dict(entry, kind=kind, seed=seed, options=opts, work_dir=work, checkpoint=ckpt,
                label_fraction=float(fraction) if fraction is not None else 1.0)  # fmt: skip


# ---- results ------------------------------------------------------------------------------
def collect(spec: dict, jobs: list) -> tuple:
    rows, ssl_rows = [], []
    for job in jobs:
        work = osp.join(ROOT, job['work_dir'])
        seconds = osp.join(work, 'train_seconds')
        minutes = round(float(open(seconds).read()) / 60, 1) if osp.isfile(seconds) else None
        if job['kind'] == 'pretraining':
            probes = knn_probes(work)
            ssl_rows.append(dict(name=job['name'], label=job.get('label', job['name']),
                                 config=job['config'], checkpoint=job['checkpoint'],
                                 seed=job['seed'], knn_top1=latest(probes),
                                 knn_top1_init=probes.get(0),
                                 train_minutes=minutes))  # fmt: skip
            continue
        metrics = osp.join(work, 'test', 'metrics.json')
        if not osp.isfile(metrics):
            continue
        with open(metrics) as f:
            m = json.load(f)
        rows.append(dict(
            backbone=job.get('backbone', ''),
            pretraining=job.get('pretraining_label', RANDOM),
            detector=job.get('detector', ''),
            config=job['config'],
            checkpoint=job['checkpoint'],
            bbox_mAP=m['coco/bbox_mAP'],
            bbox_mAP_50=m['coco/bbox_mAP_50'],
            bbox_mAP_75=m['coco/bbox_mAP_75'],
            train_minutes=minutes,
            seed=job['seed'],
            label_fraction=job['label_fraction'],
        ))  # fmt: skip
    return rows, ssl_rows


def knn_probes(work: str) -> dict:
    """{epoch: k-NN top-1} of every probe in the run's logs (empty when the config has none);
    epoch 0 is the probe before training, i.e. of the initial (random) backbone."""
    probes = {}
    for root, _, files in sorted(os.walk(work)):
        for name in sorted(files):
            if name.endswith('.log') and name != 'run_matrix.log':
                with open(osp.join(root, name), errors='replace') as f:
                    for m in re.finditer(r'k-NN probe \(epoch (\d+)\): top-1 ([\d.]+)', f.read()):
                        probes[int(m[1])] = float(m[2])
    return probes


def latest(probes: dict):
    """The last of ``knn_probes``' values (None when there are none)."""
    return probes[max(probes)] if probes else None


def last_knn(work: str):
    """The last k-NN probe top-1 in the run's logs (None when the config has no probe)."""
    return latest(knn_probes(work))


def _mean_sd(values: list) -> str:
    if len(values) == 1:
        return f'{values[0]:.3f}'
    return f'{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}'


def _fraction(r: dict) -> float:
    return r.get('label_fraction', 1.0)


def _pct(f: float) -> str:
    return f'{100 * f:g}%'


def table(rows: list, ssl_rows: list, seeds: list) -> str:
    groups = defaultdict(list)
    for r in rows:
        groups[r['backbone'], r['pretraining'], r['detector'], _fraction(r), r['config']].append(r)
    n = len(seeds)
    head = f' (mean ± sd over {n} seeds)' if n > 1 else ''
    out = [f'| Backbone | Pretraining | Detector | Labels | mAP{head} | AP50 | AP75 | train min |',
           '|---|---|---|---|---|---|---|---|']  # fmt: skip
    for (backbone, pre, det, frac, _), rs in groups.items():
        mins = [r['train_minutes'] for r in rs if r['train_minutes'] is not None]
        minutes = f'{statistics.mean(mins):.1f}' if mins else ''
        out.append(f'| {backbone} | {pre} | {det} | {_pct(frac)} | '
                   f'{_mean_sd([r["bbox_mAP"] for r in rs])} | '
                   f'{_mean_sd([r["bbox_mAP_50"] for r in rs])} | '
                   f'{_mean_sd([r["bbox_mAP_75"] for r in rs])} | {minutes} |')  # fmt: skip
    gaps = paired_gaps(rows)
    if gaps:
        out += ['', '| Pretraining − random init | Backbone | Detector | Labels | '
                'mAP gap per seed | mean ± sd | mean / sd | seeds won |',
                '|---|---|---|---|---|---|---|---|']  # fmt: skip
        for (pre, backbone, det, frac), per_seed in gaps.items():
            vals = [g for _, g in sorted(per_seed)]
            per = ', '.join(f'{g:+.3f} (s{s})' for s, g in sorted(per_seed))
            won = sum(g > 0 for g in vals)
            sd = statistics.stdev(vals) if len(vals) > 1 else None
            mean_sd = f'{statistics.mean(vals):+.3f}' + (f' ± {sd:.3f}' if sd is not None else '')
            ratio = f'{statistics.mean(vals) / sd:+.1f}' if sd else ''
            out.append(f'| {pre} | {backbone} | {det} | {_pct(frac)} | {per} | {mean_sd} | '
                       f'{ratio} | {won}/{len(vals)} |')  # fmt: skip
    knn = [r for r in ssl_rows if r['knn_top1'] is not None]
    if knn:
        out += ['', '| Pretraining run | seed | k-NN top-1 (last probe) | before training | '
                'train min |', '|---|---|---|---|---|']  # fmt: skip
        out += [f"| {r['label']} ({stem(r['config'])}) | {r['seed']} | {r['knn_top1']:.3f} | "
                f"{_opt(r.get('knn_top1_init'))} | {r['train_minutes'] or ''} |"
                for r in knn]  # fmt: skip
    return '\n'.join(out) + '\n'


def _opt(v) -> str:
    return '' if v is None else f'{v:.3f}'


def paired_gaps(rows: list) -> dict:
    """Per seed, each pretrained row's mAP minus the random-init row of the same backbone,
    detector and label fraction (the same fine-tuning budget by construction of the spec):
    ``{(pretraining, backbone, detector, fraction): [(seed, gap), ...]}``."""
    base = {(r['backbone'], r['detector'], _fraction(r), r['seed']): r['bbox_mAP']
            for r in rows if r['pretraining'] == RANDOM}  # fmt: skip
    gaps = defaultdict(list)
    for r in rows:
        key = (r['backbone'], r['detector'], _fraction(r), r['seed'])
        if r['pretraining'] != RANDOM and key in base:
            gaps[r['pretraining'], r['backbone'], r['detector'], _fraction(r)].append(
                (r['seed'], r['bbox_mAP'] - base[key])
            )
    return gaps


def plot_fractions(rows: list, path: str) -> bool:
    """mAP against the label fraction, one line per initialisation (mean over seeds, the
    seeds' min-max as a band and each seed as a dot), one panel per backbone and detector.
    False (nothing written) when the rows hold fewer than two fractions."""
    if len({_fraction(r) for r in rows}) < 2:
        return False
    import matplotlib
    import matplotlib.ticker

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    panels = sorted({(r['backbone'], r['detector']) for r in rows})
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.8), squeeze=False)
    for ax, (backbone, det) in zip(axes[0], panels):
        by_init = defaultdict(lambda: defaultdict(list))
        for r in rows:
            if (r['backbone'], r['detector']) == (backbone, det):
                by_init[r['pretraining']][_fraction(r)].append(r['bbox_mAP'])
        for pre in sorted(by_init, key=lambda p: (p != RANDOM, p)):
            fr = sorted(by_init[pre])
            vals = [by_init[pre][f] for f in fr]
            (line,) = ax.plot(fr, [statistics.mean(v) for v in vals], marker='o', label=pre)
            ax.fill_between(fr, [min(v) for v in vals], [max(v) for v in vals],
                            color=line.get_color(), alpha=0.15)  # fmt: skip
            for f, v in zip(fr, vals):
                ax.scatter([f] * len(v), v, color=line.get_color(), s=8, alpha=0.6)
        ax.set_xscale('log')
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xticks(sorted({_fraction(r) for r in rows}))
        ax.set_xticklabels([_pct(f) for f in sorted({_fraction(r) for r in rows})])
        ax.set_xlabel('labeled training images used')
        ax.set_ylabel('COCO mAP@[.5:.95] (validation)')
        ax.set_title(f'{det}, {backbone}', fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def describe(job: dict) -> str:
    """'detection CONFIG_NAME, seed S[, P% of the labels]' for progress and failure lines."""
    text = f'{job["kind"]} {stem(job["config"])}, seed {job["seed"]}'
    if job['kind'] == 'detection' and job.get('label_fraction', 1.0) < 1:
        text += f', {_pct(job["label_fraction"])} of the labels'
    return text


def run_job(args, jobs: list, i: int, progress: Progress) -> bool:
    """Train (and for a detector, test) ``jobs[i]``; False when it failed or was skipped."""
    job = jobs[i]
    tag = f'[{i + 1}] ' if args.jobs > 1 else ''
    progress.start(i, describe(job))
    if job.get('needs') and not args.dry_run and not osp.isfile(osp.join(ROOT, job['needs'])):
        say(f'   skipped: its pretraining checkpoint {job["needs"]} is missing', tag)
        progress.finish(i, None, False)
        return False
    start, fresh = time.time(), not osp.isfile(osp.join(ROOT, job['checkpoint']))
    ok = train(args, job, tag) and (job['kind'] == 'pretraining' or test(args, job, tag))
    progress.finish(i, time.time() - start, fresh and not args.dry_run)
    return ok


def schedule(args, jobs: list, progress: Progress) -> list:
    """Run every job, up to ``args.jobs`` at once; a job that needs a pretraining run of the
    list starts after it. With several slots the pretraining runs go first (they unblock the
    fine-tunes); with one, the plan's order. Returns the indices of the failed jobs."""
    producer = producers(jobs)
    pending = list(range(len(jobs)))
    if args.jobs > 1:
        pending.sort(key=lambda k: (jobs[k]['kind'] != 'pretraining', k))
    results, running, cond = {}, {}, threading.Condition()

    def work(k):
        try:
            ok = run_job(args, jobs, k, progress)
        except Exception as e:  # a bug in one run's bookkeeping must not hang the others
            say(f'[{k + 1}] error: {e!r}', file=sys.stderr)
            ok = False
        with cond:
            results[k] = ok
            cond.notify()

    with cond:
        while pending or running:
            for k in list(pending):
                if len(running) >= max(1, args.jobs):
                    break
                dep = producer.get(jobs[k].get('needs'))
                if dep is not None and dep not in results:
                    continue  # its pretraining has not finished yet
                pending.remove(k)
                running[k] = threading.Thread(target=work, args=(k,), daemon=True)
                running[k].start()
            cond.wait_for(lambda: any(k in results for k in running))
            for k in [k for k in running if k in results]:
                running.pop(k).join()
    return [k for k in sorted(results) if not results[k]]


def main(argv=None):
    args = parse_args(argv)
    spec = load_spec(args.spec, args)
    jobs = plan(spec, args.only)
    progress = Progress(jobs, max(1, args.jobs))
    failed = [describe(jobs[k]) for k in schedule(args, jobs, progress)]
    if args.dry_run:
        return 0
    rows, ssl_rows = collect(spec, jobs)
    out = osp.join(ROOT, spec['out'])
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'results.json'), 'w') as f:
        json.dump(rows, f, indent=2)
    with open(osp.join(out, 'ssl.json'), 'w') as f:
        json.dump(ssl_rows, f, indent=2)
    md = table(rows, ssl_rows, spec['seeds'])
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write(md)
    if plot_fractions(rows, osp.join(out, 'label_fractions.png')):
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
