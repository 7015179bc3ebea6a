"""A full-scale config made to run in seconds on any machine: its images and batches shrunk
(``dry_run_options``), its data cut to one batch (``one_batch``) and the checkpoints it loads
replaced by untrained ones where they are missing (``replace_checkpoints``). What
``tools/gpu_check.py`` trains every full-scale config with."""

import glob
import os
import os.path as osp
from typing import List, Optional

from .config import ROOT, datasets, stem, walk_dicts


def _scaled(value, factor: float):
    return type(value)(max(16, int(round(v * factor))) for v in value)


def pipeline_options(cfg, factor: float, view: int, patch: int = 32) -> dict:
    """``--cfg-options`` that shrink every image the config's pipelines make: SSL views (an int
    ``scale``) to ``view`` px, detection sizes (``scale``/``crop_size`` pairs, ``scales`` lists)
    by ``factor``, UP-DETR's query patches to ``patch`` px.

    Returns:
        dict: ``{dotted key: value}`` (empty for a config without such sizes).
    """
    out = {}
    for key, ds in datasets(cfg):
        for k, d in walk_dicts(ds.get('pipeline', []), f'{key}.pipeline'):
            for name, v in d.items():
                pair = isinstance(v, (list, tuple)) and len(v) == 2
                if name == 'scale' and isinstance(v, int):
                    out[f'{k}.{name}'] = view
                elif name in ('scale', 'crop_size') and pair and all(isinstance(x, int) for x in v):
                    out[f'{k}.{name}'] = _scaled(v, factor)
                elif name == 'scales' and isinstance(v, (list, tuple)):
                    out[f'{k}.{name}'] = [_scaled(s, factor) for s in v]
                elif name == 'patch_size' and isinstance(v, int):
                    out[f'{k}.{name}'] = patch
    return out


def dry_run_options(cfg) -> dict:
    """``--cfg-options`` of the dry run: 64 px views, detection images at 0.1 of their size,
    two images per batch, no dataloader workers, no best-checkpoint save after validation (the
    epoch's is saved) and, for two-stage DETRs (DINO), 50 queries (a 133x80 image has fewer
    encoder tokens than the recipe's 900)."""
    opts = pipeline_options(cfg, 0.1, 64)
    for split in ('train', 'val', 'test'):
        if cfg.get(f'{split}_dataloader'):
            opts[f'{split}_dataloader.num_workers'] = 0
            opts[f'{split}_dataloader.persistent_workers'] = False
    opts['train_dataloader.batch_size'] = 2
    if cfg.model.get('as_two_stage'):
        opts['model.num_queries'] = 50
    if (cfg.get('default_hooks') or {}).get('checkpoint', {}).get('save_best'):
        opts['default_hooks.checkpoint.save_best'] = None  # one checkpoint save, not two
    return opts


def exact_resize_options(cfg) -> dict:
    """``--cfg-options`` that make every ``Resize`` of the training pipeline resize to its
    ``scale`` exactly (``keep_ratio=False``): the 1333x800 of the timed Faster R-CNN step."""
    return {
        f'{k}.keep_ratio': False
        for key, ds in datasets(cfg, ['train'])
        for k, d in walk_dicts(ds.get('pipeline', []), f'{key}.pipeline')
        if d.get('type') == 'Resize'
    }


def one_batch(cfg, val_images: int) -> int:
    """Limit the training set of ``cfg`` to one batch and its validation set to
    ``val_images`` (in place): ``max_images`` of ``UnlabeledImageDataset``, ``indices`` of the
    others. Returns the batch size."""
    n = cfg.train_dataloader.batch_size
    for split, count in (('train', n), ('val', val_images), ('test', val_images)):
        for _, ds in datasets(cfg, [split]):
            if ds.get('type') == 'UnlabeledImageDataset':
                ds['max_images'] = count
            else:
                ds['indices'] = count
    return n


def pretrained_inits(cfg) -> list:
    """``(dotted key, init_cfg)`` of every ``Pretrained`` initialisation under ``cfg.model``."""
    return [(k, d) for k, d in walk_dicts(cfg.model, 'model') if d.get('type') == 'Pretrained']


def source_config(checkpoint: str) -> Optional[str]:
    """The config whose run writes ``checkpoint`` (``work_dirs/<config name>/...``), if any."""
    parts = osp.normpath(checkpoint).split(os.sep)
    if len(parts) < 2:
        return None
    found = glob.glob(osp.join(ROOT, 'configs', '**', parts[-2] + '.py'), recursive=True)
    return found[0] if found else None


def init_checkpoint(config: str, out_dir: str, prefix: Optional[str] = None) -> str:
    """A checkpoint of ``config``'s model as it starts (built and initialised, not trained):
    the file a detector's ``Pretrained`` init loads where the pretraining has not run. Only
    the keys under ``prefix`` are kept. Made once per config under ``out_dir``.

    Returns:
        str: The file.
    """
    import torch
    from mmengine.config import Config

    from .models import build_model

    path = osp.join(out_dir, stem(config) + '.pth')
    if not osp.isfile(path):
        torch.manual_seed(0)
        model = build_model(Config.fromfile(config))
        model.init_weights()
        state = {k: v for k, v in model.state_dict().items() if k.startswith(prefix or '')}
        os.makedirs(out_dir, exist_ok=True)
        meta = dict(note=f'untrained initial weights of {stem(config)}, by tools/gpu_check.py')
        torch.save(dict(state_dict=state, meta=meta), path)
    return path


def replace_checkpoints(cfg, out_dir: str) -> List[str]:
    """Point every ``Pretrained`` init of ``cfg`` whose file is missing at an
    ``init_checkpoint`` of the config that would have written it (in place).

    Returns:
        list[str]: ``'KEY <- CHECKPOINT'`` for each replacement.

    Raises:
        FileNotFoundError: when no config of this project writes the missing file.
    """
    done = []
    for key, init in pretrained_inits(cfg):
        if osp.isfile(init['checkpoint']):
            continue
        source = source_config(init['checkpoint'])
        if source is None:
            raise FileNotFoundError(
                f'{key}.checkpoint {init["checkpoint"]}: no config here writes it'
            )
        init['checkpoint'] = init_checkpoint(source, out_dir, init.get('prefix'))
        done.append(f'{key} <- {osp.relpath(init["checkpoint"], out_dir)}')
    return done
