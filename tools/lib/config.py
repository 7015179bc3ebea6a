"""A config as the tools read it: ``--cfg-options`` merged (with a warning for keys nothing
reads), the data moved with ``--data-root``, and its data folders checked before anything is
built.

Why ``--data-root`` and not ``--cfg-options data_root=DIR``: a top-level variable such as
``data_root = 'data/nyu/'`` is substituted into every dict that uses it while the file is
parsed, so changing the variable afterwards changes nothing; ``set_data_root`` sets the copies.

Also what the tools share about configs: ``ROOT`` (the checkout), ``stem`` (a config's name),
``walk``/``walk_dicts`` (every entry with its ``--cfg-options`` key) and ``option_args`` (options
back into command-line arguments).
"""

import inspect
import os.path as osp
import sys
from typing import Iterator, List, Optional, Sequence, Tuple

# Top-level keys that something reads after parsing, besides the Runner's arguments (which
# ``read_keys`` adds from its signature): mmengine's Runner reads these from ``cfg`` too,
# mmengine's Config imports ``custom_imports``, mmdet's and our tools read the others.
EXTRA_READ_KEYS = frozenset({
    'runner_type', 'custom_imports', 'compile', 'model_wrapper_cfg', 'find_unused_parameters',
    'activation_checkpointing', 'efficient_conv_bn_eval', 'strategy', 'tta_model',
    'tta_pipeline', 'work_dir', 'launcher',
})  # fmt: skip
SPLITS = ('train', 'val', 'test')
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository


def read_keys() -> frozenset:
    """The top-level config keys that are read after parsing.

    Returns:
        frozenset[str]: mmengine ``Runner``'s arguments plus ``EXTRA_READ_KEYS``.
    """
    from mmengine.runner import Runner

    return frozenset(inspect.signature(Runner.__init__).parameters) - {'self'} | EXTRA_READ_KEYS


def walk(node, key: str = '') -> Iterator[Tuple[str, object]]:
    """``(dotted key, value)`` of ``node`` and of everything under it (dicts, lists, tuples),
    the key as ``--cfg-options`` writes it (``key`` is ``node``'s own)."""
    yield key, node
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return
    for k, v in items:
        yield from walk(v, f'{key}.{k}' if key else str(k))


def walk_dicts(node, key: str) -> Iterator[Tuple[str, dict]]:
    """``(dotted key, dict)`` of every dict under ``node`` (``node`` included)."""
    return ((k, v) for k, v in walk(node, key) if isinstance(v, dict))


def _paths_with_value(node, value) -> Iterator[str]:
    """Dotted keys under ``node`` (dicts, lists, tuples) whose value equals ``value``."""
    for k, v in walk(node):
        if k and type(v) is type(value) and v == value:
            yield k


def stem(path: str) -> str:
    """A config's name (its file name without ``.py``), as ``work_dirs`` names its run."""
    return osp.splitext(osp.basename(path))[0]


def unread_options(cfg_options: Optional[dict], cfg=None) -> List[str]:
    """A one-line warning for each ``--cfg-options`` key whose top-level name nothing reads.

    Such a key is a variable of the config file (``data_root``, ``dataset_type``,
    ``max_epochs``, ``train_pipeline``, ``backend_args`` ...) or a misspelt section: the file
    copied the variable's value where it was used while it was parsed, so setting it afterwards
    is accepted and changes nothing.

    Args:
        cfg_options (dict, optional): ``--cfg-options`` as mmengine's ``DictAction`` parses
            them (``{'a.b': value}``).
        cfg (mmengine.Config, optional): The parsed config, before the options: the warning
            then names up to three entries that hold the variable's value (those to set), or
            says that the config has no such key.

    Returns:
        list[str]: The warnings, empty when every key is read.
    """
    known = read_keys()
    out = []
    for key in cfg_options or {}:
        top = key.split('.')[0]
        if top in known:
            continue
        if cfg is not None and top not in cfg and top != 'data_root':
            out.append(f'WARNING: --cfg-options {key}: the config has no {top!r} and nothing '
                       'reads it, so this option changes nothing (misspelt?)')  # fmt: skip
            continue
        if top == 'data_root':
            hint = 'use --data-root DIR to move every dataloader and hook'
        else:
            where = []
            if cfg is not None and not isinstance(cfg[top], dict):
                where = [w for w in _paths_with_value(cfg.to_dict(), cfg[top])
                         if w.split('.')[0] in known][:3]  # fmt: skip
            hint = 'set the entries that use it instead' + (
                f' (holding its value: {", ".join(where)})' if where else ''
            )
        out.append(
            f'WARNING: --cfg-options {key}: nothing reads the top-level {top!r} after the config '
            f'is parsed (its value was already copied where the file used it), so this option '
            f'changes nothing; {hint}'
        )
    return out


def _leaf_datasets(ds, key: str) -> Iterator[Tuple[str, dict]]:
    """``(dotted key, dict)`` of every dataset that reads files under a (wrapped) dataset."""
    if not isinstance(ds, dict):
        return
    if isinstance(ds.get('dataset'), dict):  # RepeatDataset, ClassBalancedDataset, ...
        yield from _leaf_datasets(ds['dataset'], f'{key}.dataset')
    elif isinstance(ds.get('datasets'), (list, tuple)):  # ConcatDataset
        for i, d in enumerate(ds['datasets']):
            yield from _leaf_datasets(d, f'{key}.datasets.{i}')
    else:
        yield key, ds


def datasets(cfg, splits: Sequence[str] = SPLITS) -> List[Tuple[str, dict]]:
    """Every dataset the dataloaders of ``splits`` build, wrappers unwrapped.

    Args:
        cfg (mmengine.Config): The config.
        splits (Sequence[str]): Among ``'train'``, ``'val'``, ``'test'``.

    Returns:
        list[tuple[str, dict]]: ``(key, dataset config)``, the key dotted as for
        ``--cfg-options``, e.g. ``'train_dataloader.dataset.dataset'`` (not copies: changing a
        dict changes ``cfg``).
    """
    out = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if isinstance(loader, dict):
            out += _leaf_datasets(loader.get('dataset'), f'{split}_dataloader.dataset')
    return out


def hook_datasets(cfg) -> List[Tuple[str, dict]]:
    """Every dataset a hook builds (``KNNProbeHook``'s ``train_dataset``/``val_dataset``: a hook
    argument named ``dataset`` or ``*_dataset`` holding a dict), wrappers unwrapped.

    Returns:
        list[tuple[str, dict]]: ``(key, dataset config)`` as ``datasets`` gives them, e.g.
        ``'custom_hooks.1.train_dataset'``.
    """
    out = []
    for key, hook in _hooks(cfg):
        for name, value in hook.items():
            if (name == 'dataset' or name.endswith('_dataset')) and isinstance(value, dict):
                out += _leaf_datasets(value, f'{key}.{name}')
    return out


def _evaluators(cfg) -> Iterator[Tuple[str, dict]]:
    for split in ('val', 'test'):
        ev = cfg.get(f'{split}_evaluator')
        if isinstance(ev, dict) and isinstance(ev.get('metrics'), (list, tuple)):
            ev, key = ev['metrics'], f'{split}_evaluator.metrics'
        else:
            key = f'{split}_evaluator'
        if isinstance(ev, dict):
            yield key, ev
        elif isinstance(ev, (list, tuple)):
            yield from ((f'{key}.{i}', e) for i, e in enumerate(ev) if isinstance(e, dict))


def _hooks(cfg) -> Iterator[Tuple[str, dict]]:
    for i, hook in enumerate(cfg.get('custom_hooks') or []):
        if isinstance(hook, dict):
            yield f'custom_hooks.{i}', hook
    for name, hook in (cfg.get('default_hooks') or {}).items():
        if isinstance(hook, dict):
            yield f'default_hooks.{name}', hook


def set_data_root(cfg, root: str) -> List[str]:
    """Point a whole run at the data under ``root``, in place.

    Sets ``data_root`` of every dataset of the train, val and test dataloaders (inside
    ``RepeatDataset``/``ConcatDataset``-style wrappers too: their ``dataset``/``datasets``)
    and of the hooks (``hook_datasets``: ``KNNProbeHook``'s labeled sets), of every evaluator
    and every hook (``custom_hooks``, ``default_hooks``) that has a ``data_root``, and the
    top-level
    ``data_root`` variable when the config has one, so that the config dumped into the work
    dir says where the data was.

    Args:
        cfg (mmengine.Config): The config, changed in place.
        root (str): The data set's root (what every ``data_root`` becomes).

    Returns:
        list[str]: The keys set, dotted as for ``--cfg-options`` (e.g.
        ``'custom_hooks.1.train_dataset.data_root'``), top-level ``'data_root'`` last when set.
    """
    keys = []
    for key, ds in datasets(cfg) + hook_datasets(cfg):
        ds['data_root'] = root
        keys.append(f'{key}.data_root')
    for key, item in [*_evaluators(cfg), *_hooks(cfg)]:
        if 'data_root' in item:
            item['data_root'] = root
            keys.append(f'{key}.data_root')
    if 'data_root' in cfg:
        cfg.data_root = root
        keys.append('data_root')
    return keys


def dataset_folders(ds: dict) -> List[str]:
    """The folders and files a dataset config reads: ``data_root`` joined with each string of
    its ``data_prefix`` (a dict or a string) and with its ``ann_file``; ``data_root`` alone
    when it has neither.

    Args:
        ds (dict): One (unwrapped) dataset config.

    Returns:
        list[str]: Paths, without URLs (``s3://`` ...).
    """
    root = ds.get('data_root') or ''
    prefix = ds.get('data_prefix')
    parts = list(prefix.values()) if isinstance(prefix, dict) else [prefix]
    parts = [p for p in parts + [ds.get('ann_file')] if isinstance(p, str) and p]
    paths = [osp.join(root, p) for p in parts] or ([root] if root else [])
    return [p for p in paths if '://' not in p]


def missing_data(cfg, splits: Sequence[str] = SPLITS, hooks: bool = True) -> List[str]:
    """What a run of ``cfg`` would read and does not find, one line per missing path, each
    naming its config key and pointing at ``--data-root``.

    Args:
        cfg (mmengine.Config): The config (after ``set_data_root``, if any).
        splits (Sequence[str]): The dataloaders the run builds (``tools/train.py``: train and,
            with a ``val_cfg``, val; ``tools/test.py``: test).
        hooks (bool): Also check what hooks read (the k-NN probe's datasets).

    Returns:
        list[str]: Empty when every path exists.
    """
    out = []
    for key, ds in datasets(cfg, splits) + (hook_datasets(cfg) if hooks else []):
        for path in dataset_folders(ds):
            if not osp.exists(path):
                out.append(
                    f'{key} ({ds.get("type", "dataset")}) reads {path}, which does not exist '
                    f'(data_root={ds.get("data_root")!r}, data_prefix={ds.get("data_prefix")!r})'
                )
    for key, hook in _hooks(cfg) if hooks else ():
        root = hook.get('data_root')
        if isinstance(root, str) and root and not osp.isdir(root):
            out.append(f'{key} ({hook.get("type")}) reads data_root={root!r}: no such folder')
    if out:
        out.append('point every dataloader and hook at the data with --data-root DIR')
    return out


def read_config(path: str, cfg_options: Optional[dict] = None, data_root: Optional[str] = None):
    """A config as the tools use it: parsed, ``cfg_options`` merged (printing
    ``unread_options``' warnings to stderr), then moved to ``data_root``.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): ``--cfg-options``.
        data_root (str, optional): ``--data-root``: passed to ``set_data_root`` after the
            options, so it wins over a ``...data_root=`` option.

    Returns:
        mmengine.Config: The config.
    """
    from mmengine.config import Config

    cfg = Config.fromfile(path)
    for line in unread_options(cfg_options, cfg):
        print(line, file=sys.stderr)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if data_root:
        set_data_root(cfg, data_root)
    return cfg


def add_data_arguments(parser, data_root_help: Optional[str] = None):
    """Add ``--data-root DIR`` and ``--cfg-options k=v ...`` to a tool's ``argparse`` parser.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        data_root_help (str, optional): Help text of ``--data-root`` where the tool's differs.

    Returns:
        argparse.ArgumentParser: ``parser``.
    """
    from mmengine.config import DictAction

    parser.add_argument(
        '--data-root',
        help=data_root_help
        or 'the data set root: sets data_root of every '
        'dataloader, evaluator and hook that reads data',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=2 (a top-level variable such '
        'as data_root was substituted when the config was parsed: use --data-root)',
    )
    return parser


def option_args(opts: dict) -> List[str]:
    """``['--cfg-options', 'k=v', ...]`` as mmengine's ``DictAction`` reads them back (tuples
    stay tuples); ``[]`` for no options."""

    def fmt(v):
        if isinstance(v, tuple):
            return '(' + ','.join(fmt(x) for x in v) + ')'
        if isinstance(v, list):
            return '[' + ','.join(fmt(x) for x in v) + ']'
        return str(v)

    return ['--cfg-options'] + [f'{k}={fmt(v)}' for k, v in opts.items()] if opts else []
