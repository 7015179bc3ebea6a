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
