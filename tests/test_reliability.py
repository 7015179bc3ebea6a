"""Reliability with real processes: SIGKILL and --resume, kills during a checkpoint save,
determinism, NaN losses, atomic writes, class-count checks.

Each scenario runs tools/train.py on a tiny config derived from tests/configs (64 px images,
4 images, 2 iterations per epoch, 3 epochs, no validation) with faults from
tests/reliability_faults.py.
"""

import glob
import json
import os
import os.path as osp
import random
import signal

import pytest
import torch
from conftest import ROOT, run_tool, tiny_config

from custom_modules.engine import atomic_write, safe_torch_load

pytestmark = pytest.mark.heavy  # scheduled first (tests/conftest.py)

TESTS = osp.join(ROOT, 'tests')
ENV = dict(PYTHONPATH=TESTS)
MAX_EPOCHS = 3  # tiny_config's
ITERS_PER_EPOCH = 2


def train(cfg, work, *args, check=True, fresh=False):
    return run_tool('tools/train.py', cfg, '--work-dir', work, *args, env=ENV, check=check,
                    fresh=fresh)  # fmt: skip


def logged(work):
    """Every logged training iteration of every run in ``work``: {iter: scalars}."""
    out = {}
    for path in sorted(glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json'))):
        for line in open(path):
            row = json.loads(line)
            out[row['step']] = {k: v for k, v in row.items() if k.startswith('loss')}
    return out


def assert_same_state(a, b):
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for k, v in a['state_dict'].items():
        assert torch.equal(v, b['state_dict'][k]), k
    sa, sb = a['optimizer']['state'], b['optimizer']['state']
    assert sa.keys() == sb.keys()
    for i in sa:
        for k, v in sa[i].items():
            assert torch.equal(torch.as_tensor(v), torch.as_tensor(sb[i][k])), (i, k)


@pytest.fixture(scope='module', params=['det', 'ssl'])
def killed_and_resumed(request, demo_root, tmp_path_factory):
    """An uninterrupted run, and one killed (SIGKILL) at a seeded random iteration, resumed,
    killed again half-way through writing the last epoch's checkpoint, and resumed again."""
    kind = request.param
    tmp = str(tmp_path_factory.mktemp(f'resume_{kind}'))
    ref, work = osp.join(tmp, 'ref'), osp.join(tmp, 'work')
    kill_at = random.Random(f'resume-{kind}').randint(
        ITERS_PER_EPOCH + 1, MAX_EPOCHS * ITERS_PER_EPOCH - 1
    )
    # SSL: one dataloader worker, re-created every epoch: the workers' randomness is covered
    workers = 1 if kind == 'ssl' else 0

    def cfg(*hooks):
        return tiny_config(tmp, kind, demo_root, hooks, workers=workers)

    train(cfg(), ref, fresh=True)  # a new interpreter: its hash seed is not the others'
    runs = [train(cfg(f'dict(type="KillAtIterHook", at_iter={kill_at})'), work, check=False)]
    save_kill = f'dict(type="KillDuringSaveHook", at_epoch={MAX_EPOCHS})'
    runs.append(train(cfg(save_kill), work, '--resume', check=False))
    last = open(osp.join(work, 'last_checkpoint')).read()
    after_torn_save = dict(
        files=sorted(os.listdir(work)), last=last, epoch=safe_torch_load(last)['meta']['epoch']
    )
    runs.append(train(cfg(), work, '--resume'))
    return dict(kind=kind, ref=ref, work=work, kill_at=kill_at, runs=runs, torn=after_torn_save)


def test_sigkill_kills(killed_and_resumed):
    r = killed_and_resumed
    assert [p.returncode for p in r['runs']] == [-signal.SIGKILL, -signal.SIGKILL, 0]


def test_two_runs_give_identical_losses(killed_and_resumed):
    """Determinism: the killed run is a second run from scratch with the same seed; every
    loss it logged before it died equals the uninterrupted run's, bit for bit."""
    r = killed_and_resumed
    ref = logged(r['ref'])
    assert len(ref) == MAX_EPOCHS * ITERS_PER_EPOCH
    first = {}
    for path in sorted(glob.glob(osp.join(r['work'], '*', 'vis_data', 'scalars.json')))[:1]:
        first = {json.loads(x)['step']: json.loads(x) for x in open(path)}
    assert sorted(first) == list(range(1, r['kill_at'] + 1))
    for step, row in first.items():
        assert {k: v for k, v in row.items() if k.startswith('loss')} == ref[step], step


def test_kill_during_save_leaves_a_usable_checkpoint(killed_and_resumed):
    r = killed_and_resumed
    files, last = r['torn']['files'], r['torn']['last']
    assert f'epoch_{MAX_EPOCHS}.pth' not in files  # the torn file never got the final name
    assert any(f.startswith(f'.epoch_{MAX_EPOCHS}.pth.') and f.endswith('.tmp') for f in files)
    # max_keep_ckpts=1: the previous checkpoint was not deleted before the new one was complete
    assert osp.basename(last) == f'epoch_{MAX_EPOCHS - 1}.pth' and osp.basename(last) in files
    assert r['torn']['epoch'] == MAX_EPOCHS - 1  # and it loaded


def test_resume_after_sigkill_equals_uninterrupted_run(killed_and_resumed):
    """Final weights and optimizer state bitwise equal; the last epoch's losses equal."""
    r = killed_and_resumed
    final = f'epoch_{MAX_EPOCHS}.pth'
    assert_same_state(
        safe_torch_load(osp.join(r['work'], final)), safe_torch_load(osp.join(r['ref'], final))
    )
    ref, resumed = logged(r['ref']), logged(r['work'])
    last_epoch = range((MAX_EPOCHS - 1) * ITERS_PER_EPOCH + 1, MAX_EPOCHS * ITERS_PER_EPOCH + 1)
    for step in last_epoch:
        assert resumed[step] == ref[step], step
    assert not [f for f in os.listdir(r['work']) if f.endswith('.tmp')]  # cleaned on resume


def test_nan_loss_stops_with_the_iteration_and_term(demo_root, tmp_path):
    """A NaN at iterations 2 and 3 with max_skips=1: 2 is skipped (no optimizer update), 3
    stops the run; the last checkpoint (epoch 1) is good and no later one was written."""
    cfg = tiny_config(
        str(tmp_path),
        'det',
        demo_root,
        ['dict(type="NaNLossHook", iters=[2, 3], term="loss_cls")'],
        'default_hooks.update(nonfinite=dict(max_skips=1))',
    )
    work = str(tmp_path / 'work')
    proc = train(cfg, work, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert 'NonFiniteLossError: non-finite loss at iteration 3 (epoch 2)' in out
    assert 'loss_cls=nan' in out
    assert 'non-finite loss at iteration 2 (epoch 1)' in out and 'step skipped' in out
    assert sorted(f for f in os.listdir(work) if f.endswith('.pth')) == ['epoch_1.pth']
    ckpt = safe_torch_load(osp.join(work, 'epoch_1.pth'))
    assert all(torch.isfinite(v.float()).all() for v in ckpt['state_dict'].values())
    # Adam counted one update over two iterations: the bad step did not reach the optimizer
    steps = {float(s['step']) for s in ckpt['optimizer']['state'].values()}
    assert steps == {1.0}


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    atomic_write(path, lambda f: f.write(b'old'))

    def fail_half_way(f):
        f.write(b'new but ')
        raise OSError('disk full')

    with pytest.raises(OSError, match='disk full'):
        atomic_write(path, fail_half_way)
    assert open(path, 'rb').read() == b'old'
    assert os.listdir(tmp_path) == ['ckpt.pth']


def test_class_count_mismatch_names_both_numbers(demo_root):
    from mmdet.registry import DATASETS, MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from custom_modules.hooks import ClassCountMismatchError, check_class_count

    cfg = Config.fromfile(osp.join(TESTS, 'configs', 'faster-rcnn_tiny_nyu-demo.py'))
    init_default_scope('mmdet')
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.update(data_root=demo_root, pipeline=[], lazy_init=True)
    cfg.model.roi_head.bbox_head.num_classes = 12
    model = MODELS.build(cfg.model)
    with pytest.raises(ClassCountMismatchError) as e:
        check_class_count(model, DATASETS.build(ds_cfg), 'train')
    msg = str(e.value)
    assert 'num_classes is 12' in msg and 'has 10 classes' in msg
    assert 'model.roi_head.bbox_head.num_classes=10' in msg
    cfg.model.roi_head.bbox_head.num_classes = 10
    check_class_count(MODELS.build(cfg.model), DATASETS.build(ds_cfg), 'train')
