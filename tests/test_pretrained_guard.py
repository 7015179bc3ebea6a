"""A pretrained checkpoint that does not fit the backbone stops the run with an explanation."""

import os.path as osp

import pytest
import torch
from conftest import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope

from custom_modules.engine import CheckpointMismatchError

DEMO_DET = osp.join(ROOT, 'configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py')


def build(init_cfg=None, **backbone):
    from mmdet.registry import MODELS

    cfg = Config.fromfile(DEMO_DET)
    cfg.model.backbone.update(backbone, init_cfg=init_cfg)
    init_default_scope('mmdet')
    return MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def full_ckpt(tmp_path_factory):
    """A whole detector's state dict (keys 'backbone.*', 'neck.*', ...)."""
    path = str(tmp_path_factory.mktemp('ckpt') / 'det.pth')
    torch.manual_seed(0)
    torch.save(dict(state_dict=build().state_dict()), path)
    return path


def test_prefix_loads_everything(full_ckpt):
    det = build(dict(type='Pretrained', checkpoint=full_ckpt, prefix='backbone.'))
    det.init_weights()
    src = torch.load(full_ckpt)['state_dict']
    for k, v in det.backbone.state_dict().items():
        assert torch.equal(v, src[f'backbone.{k}']), k


def test_missing_prefix_is_refused_with_the_fix(full_ckpt):
    det = build(dict(type='Pretrained', checkpoint=full_ckpt))
    with pytest.raises(CheckpointMismatchError) as e:
        det.init_weights()
    msg = str(e.value)
    assert 'provides only 0.0% of the parameters of ResNet' in msg
    assert 'conv1.weight' in msg and 'backbone.conv1.weight' in msg
    assert "prefix='backbone.'" in msg and 'min_loaded=0' in msg


def test_other_architecture_is_refused(tmp_path):
    from mmdet.models.backbones import ResNet

    path = str(tmp_path / 'r18_full_width.pth')
    torch.save(dict(state_dict=ResNet(depth=18).state_dict()), path)
    det = build(dict(type='Pretrained', checkpoint=path))
    with pytest.raises(CheckpointMismatchError, match='shape mismatches .*conv1.weight'):
        det.init_weights()


def test_explicit_override_loads_what_fits(full_ckpt, tmp_path):
    src = torch.load(full_ckpt)['state_dict']
    partial = {k: v for k, v in src.items() if k.startswith('backbone.layer1')}
    path = str(tmp_path / 'partial.pth')
    torch.save(dict(state_dict=partial), path)
    det = build(dict(type='Pretrained', checkpoint=path, prefix='backbone.'))
    with pytest.raises(CheckpointMismatchError):
        det.init_weights()
    det = build(dict(type='Pretrained', checkpoint=path, prefix='backbone.', min_loaded=0))
    det.init_weights()
    assert torch.equal(det.backbone.layer1[0].conv1.weight, src['backbone.layer1.0.conv1.weight'])


def test_swin_ssl_checkpoint_fits_the_swin_detector(tmp_path):
    """The report's 0.012 Swin row: here pretraining and detection share class and keys."""
    from mmdet.registry import MODELS as DET_MODELS
    from mmpretrain.registry import MODELS as PRE_MODELS

    ssl = Config.fromfile(
        osp.join(ROOT, 'configs/barlowtwins/barlowtwins_swin-t_8xb64-adamw-coslr-150e_nyu.py')
    )
    init_default_scope('mmpretrain')
    ssl_model = PRE_MODELS.build(ssl.model)
    path = str(tmp_path / 'swin_bt.pth')
    torch.save(dict(state_dict=ssl_model.state_dict()), path)
    det = Config.fromfile(
        osp.join(
            ROOT, 'configs/faster_rcnn/faster-rcnn_swin-t-barlowtwins-pre_fpn_8xb2-adamw-40e_nyu.py'
        )
    )
    det.model.backbone.init_cfg.checkpoint = path
    init_default_scope('mmdet')
    model = DET_MODELS.build(det.model)
    model.init_weights()
    blocks = 'stages.3.blocks.1.attn.w_msa.qkv.weight'
    assert torch.equal(model.backbone.state_dict()[blocks], ssl_model.backbone.state_dict()[blocks])
