"""Every config parses, builds its model, and keeps the naming convention."""

import glob
import os.path as osp
import re

import pytest
from conftest import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope

CONFIGS = sorted(
    p
    for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p
)


def test_there_are_configs():
    assert CONFIGS


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(p) for p in CONFIGS])
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports.imports == ['custom_modules']
    init_default_scope(cfg.default_scope)
    if cfg.default_scope == 'mmdet':
        from mmdet.registry import MODELS
    else:
        from mmpretrain.registry import MODELS
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    # {GPUs}x b{batch} in the name is the batch auto_scale_lr refers to
    m = re.search(r'_(\d+)xb(\d+)', osp.basename(path))
    assert m, 'config names carry {GPUs}xb{batch}'
    assert cfg.auto_scale_lr.base_batch_size == int(m[1]) * int(m[2])
    assert cfg.train_dataloader.batch_size == int(m[2])


def test_ssl_detectors_point_at_their_ssl_run():
    """A '-<ssl>-pre' detector loads the last epoch of an SSL config of this project."""
    found = 0
    for path in CONFIGS:
        m = re.search(r'-(barlowtwins|vicreg)-pre_', osp.basename(path))
        if not m:
            continue
        init = Config.fromfile(path).model.backbone.init_cfg
        work_dir, ckpt = osp.split(init.checkpoint)
        stem = osp.basename(work_dir)
        ssl_cfg = osp.join(ROOT, 'configs', m[1], stem + '.py')
        assert work_dir == f'work_dirs/{stem}' and osp.isfile(ssl_cfg), init.checkpoint
        assert ckpt == f'epoch_{Config.fromfile(ssl_cfg).train_cfg.max_epochs}.pth'
        assert init.prefix == 'backbone.'
        found += 1
    assert found >= 3
