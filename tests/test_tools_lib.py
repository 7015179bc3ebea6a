"""tools/lib: the one model builder the tools and benchmarks share."""

import os.path as osp

import torch
from conftest import ROOT
from mmengine.config import Config

from tools.lib.models import build_batches, build_model

SSL_TINY = osp.join(ROOT, 'tests/configs/barlowtwins_tiny_nyu-demo.py')
DET_TINY = osp.join(ROOT, 'tests/configs/faster-rcnn_tiny_nyu-demo.py')


def test_ssl_model_normalises_as_the_runner_does():
    """mmpretrain keeps data_preprocessor at the config's top level; building cfg.model alone
    once fed raw BGR pixels to the diagnostics and to check_determinism."""
    cfg = Config.fromfile(SSL_TINY)
    pre = build_model(cfg).data_preprocessor
    assert torch.allclose(pre.mean.flatten(), torch.tensor(cfg.data_preprocessor.mean))
    assert torch.allclose(pre.std.flatten(), torch.tensor(cfg.data_preprocessor.std))
    assert pre._channel_conversion == cfg.data_preprocessor.to_rgb
    assert 'data_preprocessor' not in cfg.model  # the config is not changed


def test_detector_keeps_its_own_preprocessor_and_syncbn_is_reverted():
    cfg = Config.fromfile(DET_TINY)
    cfg.model.backbone.norm_cfg = dict(type='SyncBN', requires_grad=True)
    model = build_model(cfg)
    pre = model.data_preprocessor
    assert torch.allclose(pre.mean.flatten(), torch.tensor(cfg.model.data_preprocessor.mean))
    assert not any(isinstance(m, torch.nn.SyncBatchNorm) for m in model.modules())
    assert isinstance(model.backbone.bn1, torch.nn.modules.batchnorm._BatchNorm)


def test_checkpoint_is_loaded(tmp_path):
    cfg = Config.fromfile(DET_TINY)
    torch.manual_seed(0)
    first = build_model(cfg)
    first.init_weights()
    path = str(tmp_path / 'w.pth')
    torch.save({'state_dict': first.state_dict()}, path)
    second = build_model(cfg, path)
    for k, v in first.state_dict().items():
        assert torch.equal(v, second.state_dict()[k]), k


def test_batches_come_from_the_train_pipeline(demo_root):
    cfg = Config.fromfile(SSL_TINY)
    batches = build_batches(cfg, demo_root + '/', batch_size=3, num_batches=2)
    assert len(batches) == 2
    views = batches[0]['inputs']
    assert len(views) == 2 and views[0].shape[0] == 3 and views[0].dtype == torch.uint8
    assert cfg.train_dataloader.dataset.data_root != demo_root + '/'  # not changed
