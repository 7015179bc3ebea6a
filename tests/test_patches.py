"""custom_modules/patches.py: each change to upstream is in place, is installed once however
often it is applied, refuses versions it was not written for, and nothing else in the package
changes upstream code."""

import ast
import copy
import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import mmengine.config.config as mm_config
import mmengine.runner.checkpoint as mm_checkpoint
import mmengine.runner.runner as mm_runner
import pytest
import torch
from mmengine.registry import WEIGHT_INITIALIZERS, DefaultScope
from mmengine.runner.checkpoint import CheckpointLoader

import custom_modules
from custom_modules import patches
from custom_modules.engine import CheckedPretrainedInit, save_checkpoint
from custom_modules.engine.checkpoint import SAFE_GLOBALS, load_from_local
from custom_modules.hooks import NonFiniteLossError, NonFiniteLossHook

ROOT = Path(__file__).resolve().parent.parent


def installed():
    """What the patches leave in upstream's objects, to compare before and after."""
    return dict(
        save=(
            mm_checkpoint.save_checkpoint,
            mm_runner.save_checkpoint,
            __import__('mmengine.runner').runner.save_checkpoint,
        ),
        upstream_save=patches.original(mm_checkpoint, 'save_checkpoint'),
        loader=CheckpointLoader._schemes[''],
        formatter=mm_config.FormatCode,
        schemes=list(CheckpointLoader._schemes),
        pretrained=WEIGHT_INITIALIZERS.get('Pretrained'),
        safe=len(torch.serialization.get_safe_globals()),
    )


def test_every_change_is_installed():
    import mmengine.runner

    from custom_modules.engine import atomic

    assert mm_checkpoint.save_checkpoint is save_checkpoint
    assert mm_runner.save_checkpoint is save_checkpoint
    # every route to a save, the package's re-export too (mmpretrain imports it from there)
    assert mmengine.runner.save_checkpoint is save_checkpoint
    upstream = patches.original(mm_checkpoint, 'save_checkpoint')
    assert upstream is not save_checkpoint and upstream.__module__ == 'mmengine.runner.checkpoint'
    assert atomic.UPSTREAM_SAVE is upstream  # where a remote path's save goes
    assert CheckpointLoader._schemes[''] is load_from_local
    assert WEIGHT_INITIALIZERS.get('Pretrained') is CheckedPretrainedInit
    allowed = torch.serialization.get_safe_globals()
    assert all(g in allowed for g in SAFE_GLOBALS)


def test_a_config_is_formatted_once_and_as_upstream_formats_it(monkeypatch):
    from mmengine.config import Config

    cfg = Config(dict(model=dict(type='X', depth=18, widths=[32, 64]), seed=0))
    ours = cfg.pretty_text
    upstream = patches.original(mm_config, 'FormatCode')
    assert mm_config.FormatCode is not upstream and mm_config.FormatCode.__wrapped__ is upstream
    style = dict(based_on_style='pep8', column_limit=79)
    first = mm_config.FormatCode('a = dict( b =1 )', style_config=style)
    assert mm_config.FormatCode('a = dict( b =1 )', style_config=style) is first  # not redone
    assert first == upstream('a = dict( b =1 )', style_config=style)
    monkeypatch.setattr(mm_config, 'FormatCode', upstream)
    assert cfg.pretty_text == ours


def test_the_atomic_save_does_not_import_the_patches():
    """patches.py imports engine/atomic.py to install it: no import back (a cycle)."""
    source = (ROOT / 'custom_modules' / 'engine' / 'atomic.py').read_text()
    assert 'patches' not in ''.join(ln for ln in source.splitlines(True) if 'import' in ln)


def test_applying_again_or_reloading_installs_nothing_twice():
    before = installed()
    patches.apply()
    reloaded = importlib.reload(patches)  # runs the module again: _applied starts False
    reloaded.apply()
    reloaded.apply()
    importlib.reload(custom_modules)
    assert installed() == before
    # the upstream function kept is upstream's, not ours: a remote path reaches it, no recursion
    from custom_modules.engine import atomic

    assert atomic.UPSTREAM_SAVE is patches.original(mm_checkpoint, 'save_checkpoint')
    assert atomic.UPSTREAM_SAVE.__module__ == 'mmengine.runner.checkpoint'
    calls = []
    real, atomic.UPSTREAM_SAVE = atomic.UPSTREAM_SAVE, lambda *a: calls.append(a)
    try:
        save_checkpoint({'x': 1}, 's3://bucket/epoch_1.pth')
    finally:
        atomic.UPSTREAM_SAVE = real
    assert calls == [({'x': 1}, 's3://bucket/epoch_1.pth', None, None)]


def test_other_versions_are_refused_with_the_versions(monkeypatch):
    real = patches._version
    monkeypatch.setattr(patches, '_version', lambda p: '0.11.0' if p == 'mmengine' else real(p))
    monkeypatch.delenv(patches.ALLOW_UNTESTED, raising=False)
    with pytest.raises(patches.UntestedVersionError, match=r'mmengine 0\.10\.7.*mmengine 0\.11\.0'):
        patches.check_versions()
    monkeypatch.setenv(patches.ALLOW_UNTESTED, '1')
    with pytest.warns(UserWarning, match='mmengine 0.11.0'):
        patches.check_versions()


def test_a_changed_upstream_method_we_copy_is_noticed(monkeypatch):
    patches.check_copies()  # the mmengine installed is the one the hook's copy was made from
    hook = next(p for p in patches.PATCHES if p.copied)
    assert patches.source_sha(hook.copied) == hook.copied_sha
    stale = patches.Patch(**dict(vars(hook), copied_sha='000000000000'))
    monkeypatch.setattr(patches, 'PATCHES', (stale,))
    monkeypatch.delenv(patches.ALLOW_UNTESTED, raising=False)
    with pytest.raises(patches.UntestedVersionError, match='_save_checkpoint_with_step'):
        patches.check_copies()


def test_nothing_else_changes_upstream():
    """Outside patches.py no module assigns to an attribute at import time, registers over an
    upstream name or installs a loader or safe global."""
    offenders = []
    for path in sorted((ROOT / 'custom_modules').rglob('*.py')):
        if path.name == 'patches.py':
            continue
        text = path.read_text()
        for word in ('force=True', 'register_scheme', 'add_safe_globals', 'WITH_MULTIMODAL'):
            if word in text:
                offenders.append(f'{path.name}: {word}')
        for node in ast.parse(text).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) for t in node.targets
            ):
                offenders.append(f'{path.name}:{node.lineno}: module-level attribute assignment')
    assert not offenders, offenders


class Loop:
    """The two objects NonFiniteLossHook wraps, counting calls."""

    def __init__(self):
        self.parsed = self.updated = 0

    def parse_losses(self, losses):
        self.parsed += 1
        return sum(losses.values()), dict(losses)

    def update_params(self, loss):
        self.updated += 1

    def zero_grad(self):
        pass


def test_nonfinite_hook_wraps_once():
    model = optim = Loop()
    runner = SimpleNamespace(model=model, optim_wrapper=optim, iter=4, epoch=0, work_dir='w')
    hook = NonFiniteLossHook()
    hook.before_train(runner)
    hook.before_train(runner)  # a second call, as a second runner on the same model would
    NonFiniteLossHook().before_train(runner)  # and a second hook
    # one wrapper, around the objects' own methods
    assert model.parse_losses._custom_modules_wrapped == Loop.parse_losses.__get__(model)
    assert optim.update_params._custom_modules_wrapped == Loop.update_params.__get__(optim)
    loss, _ = model.parse_losses({'loss_a': torch.tensor(1.0)})
    model.update_params(loss)
    assert (model.parsed, model.updated) == (1, 1)
    loss, _ = model.parse_losses({'loss_a': torch.tensor(float('nan'))})
    with pytest.raises(NonFiniteLossError, match='iteration 5 .*loss_a=nan'):
        model.update_params(loss)
    assert model.updated == 1


@pytest.mark.parametrize(
    'loss_cls',
    [
        dict(type='CrossEntropyLoss', bg_cls_weight=0.1, use_sigmoid=False, class_weight=1.0),
        dict(type='CrossEntropyLoss', use_sigmoid=False, class_weight=2.0),  # bg weight = 2.0
        dict(type='CrossEntropyLoss', use_sigmoid=False),  # no weighting at all
    ],
)
def test_updetr_head_weights_the_no_object_class_as_detr_does(loss_cls):
    from mmdet.models.dense_heads import DETRHead

    from custom_modules.models import UPDETRHead

    kw = dict(num_classes=3, embed_dims=16, loss_cls=loss_cls)
    with DefaultScope.overwrite_default_scope('mmdet'):  # whatever scope an earlier test left
        detr, ours = DETRHead(**copy.deepcopy(kw)), UPDETRHead(feat_channels=8, **kw)
        default = UPDETRHead(num_classes=1, embed_dims=16, feat_channels=8)
    assert ours.bg_cls_weight == detr.bg_cls_weight
    theirs = detr.loss_cls.class_weight
    if theirs is None:
        assert ours.loss_cls.class_weight is None
    else:
        assert torch.equal(torch.as_tensor(ours.loss_cls.class_weight), torch.as_tensor(theirs))
    # DETR's default loss_cls (bg_cls_weight=0.1) is accepted too
    assert default.bg_cls_weight == 0.1 and default.loss_cls.class_weight == [1.0, 0.1]


def fake_transformers(tmp_path, version):
    """A ``transformers`` that reports ``version`` and that mmpretrain's multimodal modules cannot
    use (as under transformers 5): every name imported from it fails."""
    pkg = tmp_path / 'transformers'
    pkg.mkdir()
    (pkg / '__init__.py').write_text(
        'def __getattr__(name):\n'
        "    if name.startswith('__'):\n"
        '        raise AttributeError(name)\n'
        "    raise ImportError(f'fake transformers: {name} not usable')\n"
    )
    info = tmp_path / f'transformers-{version}.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(
        f'Metadata-Version: 2.1\nName: transformers\nVersion: {version}\n'
    )
    return tmp_path


def run(code, path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(path), str(ROOT)]))
    return subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True)


def stdout(code, path):
    """The output of ``code`` run in a fresh Python that must succeed."""
    proc = run(code, path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_imports_with_transformers_5(tmp_path):
    path = fake_transformers(tmp_path, '5.0.0')
    # without the switch, mmpretrain's models do not import (the fake stands for transformers 5)
    bare = run('import mmpretrain.models', path)
    assert bare.returncode != 0 and 'fake transformers' in bare.stderr
    out = stdout(
        'import custom_modules, mmdet.models, mmpretrain.models\n'
        'from mmpretrain.utils.dependency import WITH_MULTIMODAL\n'
        'print("multimodal", WITH_MULTIMODAL)',
        path,
    )
    assert 'multimodal False' in out


def test_transformers_4_left_alone(tmp_path):
    path = fake_transformers(tmp_path, '4.40.0')
    out = stdout(  # the module alone: importing custom_modules would meet the unusable fake
        'import importlib.util as u, sys\n'
        f's = u.spec_from_file_location("patches", r"{ROOT / "custom_modules" / "patches.py"}")\n'
        'm = u.module_from_spec(s); s.loader.exec_module(m)\n'
        'm.PATCHES[0].install()\n'
        'print("switched", m.transformers_5(), "mmpretrain.utils.dependency" in sys.modules)',
        path,
    )
    assert 'switched False False' in out
    assert patches.transformers_5() is False  # and none here: the project installs none


def test_no_name_is_exported_twice():
    """``from custom_modules import *`` merges the sub-packages' exports: a name in two of them
    would shadow one (``summarize`` once meant both a problem list and correlation numbers)."""
    from collections import Counter

    subs = ('datasets', 'engine', 'evaluation', 'hooks', 'models', 'transforms')
    names = Counter(n for s in subs for n in importlib.import_module(f'custom_modules.{s}').__all__)
    assert [n for n, k in names.items() if k > 1] == []
    assert set(custom_modules.__all__) == set(names)


def test_mmdet_keeps_our_image_loader_in_the_loading_pipeline():
    from mmdet.datasets import get_loading_pipeline

    pipeline = [
        dict(type='LoadImageChecked', on_error='skip'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackDetInputs'),
    ]
    assert get_loading_pipeline(pipeline) == pipeline[:2]
    stock = [dict(type='LoadImageFromFile'), *pipeline[1:]]  # mmdet's own loader still kept
    assert get_loading_pipeline(stock) == stock[:2]
