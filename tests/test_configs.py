"""Every config parses, builds its model, and keeps the naming convention."""

import ast
import copy
import functools
import glob
import os.path as osp
import re

import pytest
import torch
from conftest import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope

CONFIGS = sorted(
    p
    for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p
)


@functools.lru_cache(maxsize=None)
def _parsed(path):
    return Config.fromfile(path)


def read(path):
    """``Config.fromfile(path)``, parsed once for all the tests here (a copy each time)."""
    return copy.deepcopy(_parsed(path))


def test_there_are_configs():
    assert CONFIGS


def _local_bases(path):
    """The config files ``path`` inherits from this project (not ``mmdet::``/``mmpretrain::``)."""
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, 'id', '') == '_base_' for t in node.targets
        ):
            bases = ast.literal_eval(node.value)
            bases = [bases] if isinstance(bases, str) else bases
            return [osp.normpath(osp.join(osp.dirname(path), b)) for b in bases if '::' not in b]
    return []


def _depth(path):
    """1 for a config on upstream bases only, else 1 + the deepest local base."""
    return 1 + max((_depth(b) for b in _local_bases(path)), default=0)


def test_configs_are_at_most_three_local_levels_deep():
    """_base_ files, primitives, thin leaves: no deeper (STYLE.md, mmdet projects)."""
    every = sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True))
    too_deep = {osp.relpath(p, ROOT): _depth(p) for p in every if _depth(p) > 3}
    assert not too_deep, too_deep


def test_depth_counts_local_levels(tmp_path):
    """The depth test above would see a four-level chain."""
    (tmp_path / 'a.py').write_text("_base_ = 'mmdet::_base_/default_runtime.py'\n")
    for child, parent in (('b', 'a'), ('c', 'b'), ('d', 'c')):
        (tmp_path / f'{child}.py').write_text(f"_base_ = ['./{parent}.py', 'mmdet::x.py']\n")
    assert [_depth(str(tmp_path / f'{n}.py')) for n in 'abcd'] == [1, 2, 3, 4]


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(p) for p in CONFIGS])
def test_config_builds(path):
    cfg = read(path)
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
        m = re.search(r'-(barlowtwins|vicregl?|densecl)-pre_', osp.basename(path))
        if not m:
            continue
        init = read(path).model.backbone.init_cfg
        work_dir, ckpt = osp.split(init.checkpoint)
        stem = osp.basename(work_dir)
        ssl_cfg = osp.join(ROOT, 'configs', m[1], stem + '.py')
        assert work_dir == f'work_dirs/{stem}' and osp.isfile(ssl_cfg), init.checkpoint
        assert ckpt == f'epoch_{read(ssl_cfg).train_cfg.max_epochs}.pth'
        assert init.prefix == 'backbone.'
        found += 1
    assert found >= 3


def test_updetr_finetunes_point_at_their_pretraining():
    """A '-updetr-pre' detector loads the last epoch of an UP-DETR config, with the guard."""
    found = 0
    for path in CONFIGS:
        if '-updetr-pre_' not in osp.basename(path):
            continue
        model = read(path).model
        work_dir, ckpt = osp.split(model.init_cfg.checkpoint)
        stem = osp.basename(work_dir)
        pre_cfg = osp.join(ROOT, 'configs', 'updetr', stem + '.py')
        assert work_dir == f'work_dirs/{stem}' and osp.isfile(pre_cfg), model.init_cfg.checkpoint
        assert ckpt == f'epoch_{read(pre_cfg).train_cfg.max_epochs}.pth'
        # mmdet's DETR would re-initialise the loaded transformer
        assert model.type == 'PretrainedDETR' and model.init_cfg.type == 'Pretrained'
        assert model.backbone.init_cfg is None
        found += 1
    assert found >= 2


def _det_batch(num_classes, num_patches=0):
    """Two 64 px images with one box each; with ``num_patches`` (UP-DETR), that many boxes
    and 32 px query patches instead."""
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for i in range(2):
        inputs.append(torch.randint(0, 256, (3, 64, 64), generator=g, dtype=torch.uint8))
        s = DetDataSample(metainfo=dict(img_shape=(64, 64), ori_shape=(64, 64),
                                        scale_factor=(1.0, 1.0)))  # fmt: skip
        s.gt_instances = InstanceData(
            bboxes=torch.tensor([[8.0, 8.0, 40.0, 44.0]]),
            labels=torch.tensor([i % num_classes]),
        )
        if num_patches:
            xy = torch.randint(0, 32, (num_patches, 2), generator=g).float()
            s.gt_instances = InstanceData(
                bboxes=torch.cat([xy, xy + 16], 1), labels=torch.zeros(num_patches).long()
            )
            patches = torch.randint(0, 256, (num_patches, 32, 32, 3), generator=g)
            s.set_metainfo(dict(query_patches=patches.to(torch.uint8).numpy()))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def _ssl_batch():
    from mmpretrain.structures import DataSample

    g = torch.Generator().manual_seed(0)
    views = [torch.randint(0, 256, (4, 3, 64, 64), generator=g, dtype=torch.uint8)
             for _ in range(2)]  # fmt: skip
    # each view's crop box (top, left, h, w, flipped), as FastSSLView records it (VICRegL uses it)
    boxes = [[(0, 0, 64, 64, 0), (8, 4, 48, 56, 1)] for _ in range(4)]
    return dict(inputs=views, data_samples=[DataSample(view_boxes=b) for b in boxes])


# A step for every primitive (on bases only), every demo config and every leaf that changes the
# architecture (Swin). The other leaves change widths (-proj*) or the initialisation of their
# primitive (*-pre_*, whose checkpoint this test drops anyway): parse and build
# (test_config_builds) are enough for them. Soft Teacher's step takes a multi-branch batch:
# tests/test_semi.py.
TRAINED = [
    p
    for p in CONFIGS
    if (
        _depth(p) <= 2
        or ('nyu-demo' in p and not re.search(r'-proj\d+_', osp.basename(p)))
        or 'swin' in osp.basename(p)
    )
    and 'soft_teacher' not in p
]


@pytest.mark.parametrize('path', TRAINED, ids=[osp.basename(p) for p in TRAINED])
def test_config_trains_a_step(path):
    """One forward/backward of every primitive and demo leaf on tiny 64 px inputs (CPU)."""
    from mmengine.model import revert_sync_batchnorm

    cfg = read(path)
    init_default_scope(cfg.default_scope)
    if cfg.default_scope == 'mmdet':
        from mmdet.registry import MODELS

        # two-stage detectors keep the class head in roi_head, DETR-family ones in bbox_head
        head = cfg.model.roi_head.bbox_head if 'roi_head' in cfg.model else cfg.model.bbox_head
        batch = _det_batch(head.num_classes, cfg.model.get('num_patches', 0))
        if cfg.model.get('as_two_stage'):
            # two-stage DETRs (DINO) pick num_queries encoder tokens: a 64 px image has 85 at
            # strides 8-64 (4 scales), 21 at strides 16-64 (the demo DINO's 3)
            cfg.model.num_queries = 16
    else:
        from mmpretrain.registry import MODELS

        batch = _ssl_batch()
        cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    # init_weights() as a training run does (DINO's level_embed is torch.Tensor(...) until then:
    # uninitialised memory, NaN on some machines), minus the checkpoints, which are not here.
    for part in (cfg.model, cfg.model.get('backbone') or {}):
        if (part.get('init_cfg') or {}).get('type') == 'Pretrained':
            part.init_cfg = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model = revert_sync_batchnorm(model).train()
    data = model.data_preprocessor(batch, True)
    loss, log_vars = model.parse_losses(model(**data, mode='loss'))
    assert torch.isfinite(loss), log_vars
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad and p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(p) for p in CONFIGS])
def test_config_has_the_reliability_hooks(path):
    """Atomic checkpoints, the NaN/Inf stop and per-epoch seeds in every training config; the
    class-count check in every detector (custom_modules/hooks)."""
    cfg = read(path)
    hooks = cfg.default_hooks
    assert hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert hooks.nonfinite.type == 'NonFiniteLossHook'
    assert hooks.epoch_seed.type == 'EpochSeedHook'
    if cfg.default_scope == 'mmdet':
        assert hooks.class_check.type == 'ClassCountCheckHook'


def test_the_data_statistics_are_written_once_and_reach_every_model():
    """The report's mean/std (0-255) live in one config file; every config's model normalises
    with them (a primitive that forgot to take them would train on unnormalised pixels), but
    the ImageNet-initialised one, with the statistics its weights were trained with."""
    every = glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    holding = [osp.relpath(p, ROOT) for p in every if '124.95' in open(p).read()]
    assert holding == ['configs/_base_/datasets/nyu_detection_splits.py']
    for path in CONFIGS:
        cfg = read(path)
        pre = dict(cfg.model.get('data_preprocessor') or {}, **(cfg.get('data_preprocessor') or {}))
        if cfg.model.type in ('SoftTeacher',):  # the detector's, wrapped
            pre = cfg.model.detector.data_preprocessor
        want = ([124.95, 119.34, 105.57], [72.93, 70.89, 75.735])
        if 'in1k-pre' in path:
            want = ([123.675, 116.28, 103.53], [58.395, 57.12, 57.375])
        got = (list(pre.get('mean', [])), list(pre.get('std', [])))
        assert got == want, osp.relpath(path, ROOT)
