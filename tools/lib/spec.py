"""A run matrix's spec (YAML), the runs it plans and the config each run trains.

The spec's format is described in ``tools/run_matrix.py``. A run ("job") is a dict: the spec
entry's keys plus ``kind`` ('pretraining' or 'detection'), ``seed``, ``options`` (dotted keys
and values, as ``--cfg-options`` would give them), ``work_dir``, ``checkpoint`` (its last
checkpoint), ``label_fraction`` and, for a run that starts from a pretraining run, ``needs``
(that run's checkpoint) and ``pretraining_label``. A run trains ``job_config(job)``: its
config with the options merged and, for a fraction of the labels, its labeled dataset wrapped
in ``LabelFractionDataset``, written into its work dir (``write_job_config``): values that
``--cfg-options`` cannot carry (class names with spaces, a wrapper dict) travel there. Paths
are relative to the repository root.
"""

import copy
import functools
import os
import os.path as osp
from typing import Optional, Sequence

import yaml

from .config import ROOT, stem, walk


@functools.lru_cache(maxsize=None)
def load_config(config: str):
    """The config at ``config`` (relative to the repository root), loaded once.

    Args:
        config (str): Path of a config file, relative to the root (or absolute).

    Returns:
        mmengine.Config: Shared between calls: ``.copy()`` it before changing it. Its
        ``custom_imports`` are not imported.
    """
    from mmengine.config import Config

    return Config.fromfile(osp.join(ROOT, config), import_custom_modules=False)


PRECISIONS = ('auto', 'bf16', 'fp32')


def load_spec(
    path: str,
    seeds: Optional[Sequence[int]] = None,
    out: Optional[str] = None,
    data_root: Optional[str] = None,
    precision: Optional[str] = None,
) -> dict:
    """Read and check a spec.

    Args:
        path (str): The YAML file.
        seeds (list[int], optional): Replace the spec's ``seeds`` (default ``[0]``).
        out (str, optional): Output folder (default ``work_dirs/<spec name>``).
        data_root (str, optional): Replace the spec's ``data_root``.
        precision (str, optional): Replace the spec's ``precision`` (default ``'auto'``):
            ``'bf16'`` or ``'fp32'`` force it on every run (``precision_options``); with
            either, the default output folder is ``work_dirs/<spec name>-<precision>``.

    Returns:
        dict: The spec with every key set (``pretraining``, ``detection``, ``options``,
        ``label_fractions``, ``seeds``, ``out``, ``precision``).

    Raises:
        SystemExit: naming the problem: a label fraction outside (0, 1], a ``pretraining``
            name no earlier entry has, or a config that does not exist.
    """
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
    spec['seeds'] = seeds or spec.get('seeds', [0])
    spec['precision'] = precision or spec.get('precision', 'auto')
    if spec['precision'] not in PRECISIONS:
        raise SystemExit(f'{path}: precision {spec["precision"]!r} is not one of {PRECISIONS}')
    suffix = '' if spec['precision'] == 'auto' else f'-{spec["precision"]}'
    spec['out'] = out or osp.join('work_dirs', spec.get('name', stem(path)) + suffix)
    if data_root:
        spec['data_root'] = data_root
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


def final_checkpoint(config: str, options: dict) -> str:
    """The file name of the last checkpoint a run of ``config`` with ``options`` writes
    (``epoch_<max_epochs>.pth`` or ``iter_<max_iters>.pth``)."""
    cfg = load_config(config).copy()
    cfg.merge_from_dict(options)
    loop = cfg.train_cfg
    if 'max_epochs' in loop:
        return f'epoch_{loop.max_epochs}.pth'
    return f'iter_{loop.max_iters}.pth'


def _dataset_class(ds: dict):
    from mmdet.registry import DATASETS

    import custom_modules  # noqa: F401 (registers the datasets)

    cls = ds.get('type')
    return DATASETS.get(cls) if isinstance(cls, str) else cls


def is_labeled(ds: dict) -> bool:
    """Whether a dataset config is a labeled one: unless its class declares that it has no
    classes (``METAINFO['classes'] == ()``, as ``UnlabeledImageDataset`` does)."""
    classes = getattr(_dataset_class(ds), 'METAINFO', {}).get('classes')
    return not (isinstance(classes, (tuple, list)) and len(classes) == 0)


def data_classes(ds: dict) -> Optional[tuple]:
    """The classes a labeled dataset config reads from its own files (a COCO json's categories:
    its class declares ``METAINFO['classes'] = None``), when the config names none and its
    files are there; else None."""
    from .config import dataset_folders

    # the cheap checks first: the dataset classes are looked up (importing the package) only
    # for a config without classes whose files are there
    if ds.get('metainfo', {}).get('classes') or not dataset_folders(ds):
        return None
    if not all(osp.exists(p) for p in dataset_folders(ds)):
        return None
    if getattr(_dataset_class(ds), 'METAINFO', {}).get('classes', ()) is not None:
        return None
    from custom_modules.datasets import build_det_dataset

    built = build_det_dataset(ds, test_mode=True, lazy_init=True, serialize_data=False)
    return tuple(built.metainfo['classes'])


def data_options(config: str, data_root: Optional[str], classes=None) -> dict:
    """Options that point a config at other data.

    Args:
        config (str): The config (relative to the root).
        data_root (str, optional): Set where ``config.set_data_root`` sets it (every
            dataloader's dataset, evaluators and hooks, the k-NN probe's datasets too).
        classes (list[str], optional): Set as every labeled dataset's (``is_labeled``, those of
            hooks too) ``metainfo.classes``, and their number as every ``num_classes`` of the
            model. Without them, a training set that reads its classes from its files
            (``data_classes``: a COCO json) sets ``num_classes``.

    Returns:
        dict: ``{dotted key: value}``, merged by ``job_config`` (names with spaces are kept:
        they travel in a generated config, not on a command line).
    """
    from .config import datasets, hook_datasets, set_data_root

    cfg, opts = copy.deepcopy(load_config(config)), {}
    if data_root:
        # the nested keys only: the top-level variable is not read after parsing
        opts.update({k: data_root for k in set_data_root(cfg, data_root) if '.' in k})
    if classes:
        for key, ds in datasets(cfg) + hook_datasets(cfg):
            if is_labeled(ds):
                opts[f'{key}.metainfo.classes'] = list(classes)
    else:  # the first training set that reads its classes from its files
        classes = next(filter(None, (data_classes(ds) for _, ds in datasets(cfg, ['train']))),
                       None)  # fmt: skip
    if classes and 'model' in cfg:
        for key, v in walk(cfg.model, 'model'):
            if key.rsplit('.', 1)[-1] == 'num_classes' and not isinstance(v, (dict, list)):
                opts[key] = len(classes)
    return opts


def precision_options(config: str, precision: str) -> dict:
    """``--cfg-options`` that make a run train in ``precision``.

    ``'fp32'``: a ``BF16OptimWrapper`` config trains as ``enabled='auto'`` does on a CPU
    without native bf16 (fp32, the config's memory format), whatever this machine has; other
    configs train in fp32 already. ``'bf16'``: bf16 autocast also where it is emulated, and
    in configs with a plain optimiser wrapper too. ``'auto'``: the config's own choice.

    Returns:
        dict: ``{key: value}`` for ``--cfg-options``.
    """
    is_bf16 = load_config(config).optim_wrapper.get('type') == 'BF16OptimWrapper'
    if precision == 'fp32' and is_bf16:
        return {'optim_wrapper.enabled': False}
    if precision == 'bf16':
        return {'optim_wrapper.type': 'BF16OptimWrapper', 'optim_wrapper.enabled': True}
    return {}


def cfg_options(opts: dict) -> list:
    """``['--cfg-options', 'k=v', ...]`` for a command line (``[]`` for no options); lists as
    ``[a,b]``."""
    if not opts:
        return []
    return ['--cfg-options'] + [f'{k}={_fmt(v)}' for k, v in opts.items()]


def _fmt(v):
    if isinstance(v, (list, tuple)):
        return '[' + ','.join(_fmt(x) for x in v) + ']'
    return str(v)


def job_config(job: dict):
    """The config a run trains: ``job['config']`` with its ``options`` merged and, for a
    fraction of the labels below 1, its labeled dataset (``labeled_dataset``, default
    ``train_dataloader.dataset``) wrapped in ``LabelFractionDataset`` with the run's seed.

    Returns:
        mmengine.Config: A copy.
    """
    from mmengine.config import ConfigDict

    cfg = load_config(job['config']).copy()
    cfg.merge_from_dict(job['options'], allow_list_keys=True)
    fraction = job.get('label_fraction', 1.0)
    if job.get('kind') == 'detection' and fraction < 1:
        *parents, last = job.get('labeled_dataset', 'train_dataloader.dataset').split('.')
        node = cfg
        for k in parents:
            node = node[int(k)] if isinstance(node, list) else node[k]
        key = int(last) if isinstance(node, list) else last
        node[key] = ConfigDict(type='LabelFractionDataset', dataset=node[key],
                               fraction=fraction, seed=job['seed'])  # fmt: skip
    return cfg


def write_job_config(job: dict, write: bool = True) -> str:
    """Write ``job_config(job)`` into the run's work dir as ``<config name>.py`` (the name
    mmengine dumps it under); return its path relative to the root. ``write=False`` (a dry
    run): the path only (formatting a config takes a third of a second)."""
    path = osp.join(job['work_dir'], stem(job['config']) + '.py')
    if write:
        os.makedirs(osp.join(ROOT, job['work_dir']), exist_ok=True)
        job_config(job).dump(osp.join(ROOT, path))
    return path


def plan(spec: dict, only: Optional[str] = None) -> list:
    """Every run of the matrix, seed by seed, pretraining first (a fine-tune needs its
    checkpoint); a pretraining entry may start from an earlier one (UP-DETR from Barlow Twins).

    Args:
        spec (dict): As ``load_spec`` returns it.
        only (str, optional): ``'pretraining'`` or ``'detection'``: plan that half only (a
            fine-tune still points at its pretraining run's checkpoint).

    Returns:
        list[dict]: The runs (the module docstring lists their keys).
    """
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
    labeled training images, a subset drawn by the run's seed from the entry's
    ``labeled_dataset`` (default ``train_dataloader.dataset``; a semi-supervised detector's is
    one of its ``ConcatDataset``'s, e.g. ``train_dataloader.dataset.datasets.0``): see
    ``job_config``."""
    opts = dict(data_options(entry['config'], spec.get('data_root'), spec.get('classes')))
    opts.update(precision_options(entry['config'], spec.get('precision', 'auto')))
    opts.update(spec['options'])
    opts.update(entry.get('options', {}))
    opts['randomness.seed'] = seed
    work = osp.join(spec['out'], f'seed{seed}')
    if fraction is not None:
        work = osp.join(work, f'frac{float(fraction):g}')
    work = osp.join(work, entry.get('run_name') or stem(entry['config']))
    ckpt = osp.join(work, final_checkpoint(entry['config'], opts))
    return dict(entry, kind=kind, seed=seed, options=opts, work_dir=work, checkpoint=ckpt,
                label_fraction=float(fraction) if fraction is not None else 1.0)  # fmt: skip


def describe(job: dict) -> str:
    """'detection CONFIG_NAME, seed S[, P% of the labels]' for progress and failure lines."""
    text = f'{job["kind"]} {stem(job["config"])}, seed {job["seed"]}'
    if job['kind'] == 'detection' and job.get('label_fraction', 1.0) < 1:
        text += f', {percent(job["label_fraction"])} of the labels'
    return text


def percent(fraction: float) -> str:
    """0.25 -> '25%'."""
    return f'{100 * fraction:g}%'
