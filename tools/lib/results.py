"""Reading a matrix's finished runs: test metrics, the k-NN probe, the tables and the plot."""

import json
import os
import os.path as osp
import statistics
import subprocess
import time
from collections import defaultdict
from typing import Optional

from .config import ROOT, stem
from .spec import percent

RANDOM = 'none (random init)'  # the pretraining column of a randomly initialised detector


def provenance() -> dict:
    """What a run is made from and on: ``commit`` (``HEAD``, ``+`` appended when tracked
    files other than Markdown and ``docs/`` differ from it), ``date`` (UTC, ISO 8601) and ``device``
    (``custom_modules.engine.device_name``: the CPU with its bf16 support, or the GPU)."""
    from custom_modules.engine import device_name

    def git(*args):
        proc = subprocess.run(['git', *args], cwd=ROOT, capture_output=True, text=True)
        return proc.stdout.strip() if proc.returncode == 0 else ''

    commit = git('rev-parse', '--short=10', 'HEAD') or 'unknown'
    if git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!*.md', ':!docs'):
        commit += '+'
    import torch

    device = device_name('cuda' if torch.cuda.is_available() else 'cpu')
    return dict(commit=commit, date=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                device=device)  # fmt: skip


def write_provenance(work: str) -> dict:
    """Write ``provenance()`` to ``<work>/provenance.json`` (made if missing); return it."""
    info = provenance()
    os.makedirs(work, exist_ok=True)
    with open(osp.join(work, 'provenance.json'), 'w') as f:
        json.dump(info, f, indent=2)
    return info


def _load(checkpoint: str) -> dict:
    """The checkpoint's contents ({} when the file is missing)."""
    if not osp.isfile(checkpoint):
        return {}
    from custom_modules.engine import safe_torch_load

    return safe_torch_load(checkpoint, map_location='cpu')


def run_info(work: str, ckpt: dict) -> dict:
    """How a finished run was made: ``precision`` (``'bf16'``/``'fp32'``), ``device``,
    ``commit`` and ``date``.

    ``precision`` and ``device`` are what ``BF16OptimWrapper`` recorded in the checkpoint's
    message hub (``'fp32'`` for a config with a plain optimiser wrapper); ``commit``, ``date``
    (and ``device`` where the checkpoint has none) come from ``<work>/provenance.json``. A value
    nobody recorded is None.

    Args:
        work (str): The run's work dir.
        ckpt (dict): Its last checkpoint's contents (``{}`` when there is none).
    """
    info = dict(precision=None, device=None, commit=None, date=None)
    path = osp.join(work, 'provenance.json')
    if osp.isfile(path):
        with open(path) as f:
            info.update({k: v for k, v in json.load(f).items() if k in info})
    if ckpt:
        runtime = ckpt.get('message_hub', {}).get('runtime_info', {})
        if runtime.get('precision'):
            info['precision'], info['device'] = runtime['precision'], runtime.get('device')
        elif 'BF16OptimWrapper' not in str(ckpt.get('meta', {}).get('cfg', '')):
            info['precision'] = 'fp32'  # a plain optimiser wrapper
    return info


def knn_probes(checkpoint: str) -> list:
    """Every k-NN probe top-1 of a pretraining run, in order, as its checkpoint records them.

    ``KNNProbeHook`` puts each probe into the message hub as ``knn/top1`` (``train/knn_top1``
    in runs made before 2026-12-01); mmengine saves the hub's history in every checkpoint (and
    restores it on resume). The first value is the probe before training (of the initial
    backbone), the last the probe after the checkpoint's epoch.

    Args:
        checkpoint (str): The run's checkpoint file.

    Returns:
        list[float]: Empty when the file is missing or its config has no probe.
    """
    return _probes(_load(checkpoint))


def _probes(ckpt: dict) -> list:
    """``knn_probes`` of a loaded checkpoint."""
    scalars = ckpt.get('message_hub', {}).get('log_scalars', {})
    history = scalars.get('knn/top1', scalars.get('train/knn_top1'))
    return [] if history is None else [float(v) for v in history.data[0]]


def collect(jobs: list) -> tuple:
    """The rows of the finished runs.

    Args:
        jobs (list[dict]): ``tools.lib.spec.plan``'s runs.

    Returns:
        tuple[list, list]: (one row per tested detector: backbone, pretraining, detector,
        config, checkpoint, bbox_mAP, bbox_mAP_50, bbox_mAP_75, train_minutes, seed,
        label_fraction; one row per pretraining run: name, label, config, checkpoint, seed,
        knn_top1 (the last probe), knn_top1_init (before training), train_minutes; both with
        ``run_info``'s precision, device, commit and date). Values not known are None.
    """
    rows, ssl_rows = [], []
    for job in jobs:
        work = osp.join(ROOT, job['work_dir'])
        seconds = osp.join(work, 'train_seconds')
        minutes = round(float(open(seconds).read()) / 60, 1) if osp.isfile(seconds) else None
        if job['kind'] == 'pretraining':
            ckpt = _load(osp.join(ROOT, job['checkpoint']))  # read once: probes and run info
            probes = _probes(ckpt)
            ssl_rows.append(dict(name=job['name'], label=job.get('label', job['name']),
                                 config=job['config'], run=osp.basename(job['work_dir']),
                                 checkpoint=job['checkpoint'],
                                 seed=job['seed'], knn_top1=probes[-1] if probes else None,
                                 knn_top1_init=probes[0] if probes else None,
                                 train_minutes=minutes,
                                 **run_info(work, ckpt)))  # fmt: skip
            continue
        metrics = osp.join(work, 'test', 'metrics.json')
        if not osp.isfile(metrics):
            continue
        with open(metrics) as f:
            m = json.load(f)
        ckpt = _load(osp.join(ROOT, job['checkpoint']))
        rows.append(dict(
            backbone=job.get('backbone', ''),
            pretraining=job.get('pretraining_label', RANDOM),
            detector=job.get('detector', ''),
            config=job['config'],
            run=osp.basename(job['work_dir']),
            checkpoint=job['checkpoint'],
            bbox_mAP=m['coco/bbox_mAP'],
            bbox_mAP_50=m['coco/bbox_mAP_50'],
            bbox_mAP_75=m['coco/bbox_mAP_75'],
            train_minutes=minutes,
            seed=job['seed'],
            label_fraction=job['label_fraction'],
            **run_info(work, ckpt),
        ))  # fmt: skip
    return rows, ssl_rows


def _mean_sd(values: list) -> str:
    if len(values) == 1:
        return f'{values[0]:.3f}'
    return f'{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}'


def _fraction(r: dict) -> float:
    return r.get('label_fraction', 1.0)


def _opt(v) -> str:
    return '' if v is None else f'{v:.3f}'


def table(rows: list, ssl_rows: list, seeds: list) -> str:
    """The results as Markdown.

    Args:
        rows, ssl_rows: As ``collect`` returns them.
        seeds (list[int]): The spec's seeds (with several: mean ± sample sd per row).

    Returns:
        str: ``runs_table``; with random-init twins, ``gaps_table``; with probes, ``knn_table``.
    """
    parts = [runs_table(rows, len(seeds))]
    if paired_gaps(rows):
        parts.append(gaps_table(rows))
    if any(r['knn_top1'] is not None for r in ssl_rows):
        parts.append(knn_table(ssl_rows))
    return '\n'.join(parts)


def runs_table(rows: list, n_seeds: int) -> str:
    """One line per backbone, pretraining, detector, label fraction and config: mAP, AP50,
    AP75 (mean ± sample sd over the seeds when ``n_seeds`` > 1) and the mean train minutes."""
    groups = defaultdict(list)
    for r in rows:
        groups[r['backbone'], r['pretraining'], r['detector'], _fraction(r), r['config']].append(r)
    head = f' (mean ± sd over {n_seeds} seeds)' if n_seeds > 1 else ''
    out = [f'| Backbone | Pretraining | Detector | Labels | mAP{head} | AP50 | AP75 | train min |',
           '|---|---|---|---|---|---|---|---|']  # fmt: skip
    for (backbone, pre, det, frac, _), rs in groups.items():
        mins = [r['train_minutes'] for r in rs if r['train_minutes'] is not None]
        minutes = f'{statistics.mean(mins):.1f}' if mins else ''
        out.append(f'| {backbone} | {pre} | {det} | {percent(frac)} | '
                   f'{_mean_sd([r["bbox_mAP"] for r in rs])} | '
                   f'{_mean_sd([r["bbox_mAP_50"] for r in rs])} | '
                   f'{_mean_sd([r["bbox_mAP_75"] for r in rs])} | {minutes} |')  # fmt: skip
    return '\n'.join(out) + '\n'


def gap_stats(gaps: list) -> dict:
    """What a set of paired per-seed gaps says.

    Args:
        gaps (list[float]): One gap (pretrained − random init) per seed.

    Returns:
        dict: ``n``, ``mean``, ``sd`` (sample), ``ci`` (the 95% confidence interval of the
        mean gap, Student's t with n − 1 degrees of freedom), ``p`` (two-sided paired t-test
        of a zero mean gap) and ``won`` (seeds with a positive gap); sd, ci and p are None
        for fewer than two seeds, ci and p also when every gap is equal.
    """
    n, mean = len(gaps), statistics.mean(gaps)
    out = dict(n=n, mean=mean, sd=None, ci=None, p=None, won=sum(g > 0 for g in gaps))
    if n > 1:
        from scipy import stats

        out['sd'] = sd = statistics.stdev(gaps)
        if sd > 0:
            half = stats.t.ppf(0.975, n - 1) * sd / n**0.5
            out['ci'] = (mean - half, mean + half)
            out['p'] = float(2 * stats.t.sf(abs(mean) / (sd / n**0.5), n - 1))
    return out


def gaps_table(rows: list) -> str:
    """Each pretrained row's paired gap over its random-init twin (``paired_gaps``): per seed,
    mean ± sd, the 95% confidence interval of the mean, the paired t-test's p and the seeds
    won (``gap_stats``)."""
    out = ['| Pretraining − random init | Backbone | Detector | Labels | mAP gap per seed | '
           'mean ± sd | 95% CI | p (paired t) | seeds won |',
           '|---|---|---|---|---|---|---|---|---|']  # fmt: skip
    for (pre, backbone, det, frac), per_seed in paired_gaps(rows).items():
        st = gap_stats([g for _, g in sorted(per_seed)])
        per = ', '.join(f'{g:+.3f} (s{s})' for s, g in sorted(per_seed))
        mean_sd = f'{st["mean"]:+.3f}' + (f' ± {st["sd"]:.3f}' if st['sd'] is not None else '')
        ci = f'[{st["ci"][0]:+.3f}, {st["ci"][1]:+.3f}]' if st['ci'] else ''
        p = f'{st["p"]:.2g}' if st['p'] is not None else ''
        out.append(f'| {pre} | {backbone} | {det} | {percent(frac)} | {per} | {mean_sd} | '
                   f'{ci} | {p} | {st["won"]}/{st["n"]} |')  # fmt: skip
    return '\n'.join(out) + '\n'


def knn_table(ssl_rows: list) -> str:
    """Each pretraining run's last k-NN probe, the probe before training and its minutes."""
    out = ['| Pretraining run | seed | k-NN top-1 (last probe) | before training | train min |',
           '|---|---|---|---|---|']  # fmt: skip
    out += [f"| {r['label']} ({stem(r['config'])}) | {r['seed']} | {r['knn_top1']:.3f} | "
            f"{_opt(r.get('knn_top1_init'))} | {_opt1(r.get('train_minutes'))} |"
            for r in ssl_rows if r['knn_top1'] is not None]  # fmt: skip
    return '\n'.join(out) + '\n'


def _opt1(v) -> str:
    return '' if v is None else f'{v:.1f}'


def paired_gaps(rows: list) -> dict:
    """Per seed, each pretrained row's mAP minus the random-init row of the same backbone,
    detector and label fraction (the same fine-tuning budget by construction of the spec).

    Returns:
        dict: ``{(pretraining, backbone, detector, fraction): [(seed, gap), ...]}``.
    """
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

    Returns:
        bool: False (nothing written) when the rows hold fewer than two fractions.
    """
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
        ax.set_xticklabels([percent(f) for f in sorted({_fraction(r) for r in rows})])
        ax.set_xlabel('labeled training images used')
        ax.set_ylabel('COCO mAP@[.5:.95] (validation)')
        ax.set_title(f'{det}, {backbone}', fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_results(out: str, rows: list, ssl_rows: list, seeds: list) -> tuple:
    """Write ``results.json``, ``ssl.json``, ``results.md`` and, with several label fractions,
    ``label_fractions.png`` into ``out`` (made if missing).

    Returns:
        tuple[str, bool]: The Markdown tables, and whether the plot was written.
    """
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'results.json'), 'w') as f:
        json.dump(rows, f, indent=2)
    with open(osp.join(out, 'ssl.json'), 'w') as f:
        json.dump(ssl_rows, f, indent=2)
    md = table(rows, ssl_rows, seeds)
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write(md)
    return md, plot_fractions(rows, osp.join(out, 'label_fractions.png'))


def last_knn(checkpoint: str) -> Optional[float]:
    """The last k-NN probe top-1 ``checkpoint`` records (None without a probe)."""
    probes = knn_probes(checkpoint)
    return probes[-1] if probes else None
