"""Faults of many processes, with real processes: a rank killed under tools/dist_train.sh 2,
--resume on another number of processes, a full disk during a checkpoint save."""

import glob
import os.path as osp
import socket
import time

import pytest
from conftest import ROOT, run_tool, tiny_config

from custom_modules.engine import safe_torch_load

pytestmark = pytest.mark.heavy  # scheduled first (tests/conftest.py)

ENV = dict(PYTHONPATH=osp.join(ROOT, 'tests'), OMP_NUM_THREADS='1')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def killed_rank(demo_root, tmp_path_factory):
    """Two processes on 8 images (2 iterations an epoch each); rank 1 SIGKILLed after the first
    iteration of epoch 2, when epoch_1.pth (of a 2-process run) is on disk."""
    tmp = str(tmp_path_factory.mktemp('dist_faults'))
    cfg = tiny_config(tmp, 'det', demo_root, ['dict(type="KillAtIterHook", at_iter=3, rank=1)'],
                      images=8)  # fmt: skip
    work = osp.join(tmp, 'work')
    start = time.monotonic()
    proc = run_tool('bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work, check=False,
                    timeout=300, env=dict(ENV, PORT=str(free_port())))  # fmt: skip
    return dict(cfg=cfg, work=work, proc=proc, seconds=time.monotonic() - start)


def test_a_killed_rank_stops_the_others_with_a_message(killed_rank):
    proc, out = killed_rank['proc'], killed_rank['proc'].stdout + killed_rank['proc'].stderr
    assert proc.returncode != 0
    # torchrun's agent sees the dead worker and stops the other (no wait on a collective)
    assert killed_rank['seconds'] < 120, killed_rank['seconds']  # about 9 s here
    assert 'Signal 9 (SIGKILL)' in out and 'rank      : 1' in out, out[-3000:]
    assert 'Epoch(train) [2][1/2]' in out and 'Epoch(train) [2][2/2]' not in out
    ckpt = safe_torch_load(osp.join(killed_rank['work'], 'epoch_1.pth'))
    assert ckpt['message_hub']['runtime_info']['world_size'] == 2


def test_resume_on_another_number_of_processes_is_refused(killed_rank):
    proc = run_tool('tools/train.py', killed_rank['cfg'], '--work-dir', killed_rank['work'],
                    '--resume', check=False, env=ENV)  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert 'WorldSizeChangeError' in out and 'run of 2 process(es), this one has 1' in out
    assert 'tools/dist_train.sh CONFIG 2 --resume' in out and 'Epoch(train)' not in out


def test_a_full_disk_during_a_save_keeps_the_previous_checkpoint(demo_root, tmp_path):
    cfg = tiny_config(str(tmp_path), 'det', demo_root,
                      ['dict(type="DiskFullDuringSaveHook", at_epoch=2)'])  # fmt: skip
    work = str(tmp_path / 'work')
    proc = run_tool('tools/train.py', cfg, '--work-dir', work, check=False, env=ENV)
    assert proc.returncode != 0 and 'No space left on device' in proc.stdout + proc.stderr
    assert sorted(glob.glob(osp.join(work, '*.pth'))) == [osp.join(work, 'epoch_1.pth')]
    assert not glob.glob(osp.join(work, '.*.tmp'))  # the half-written file is gone
    last = open(osp.join(work, 'last_checkpoint')).read()
    assert last.endswith('epoch_1.pth') and safe_torch_load(last)['meta']['epoch'] == 1
    # and --resume carries on from it once the disk has room again
    run_tool('tools/train.py', cfg, '--work-dir', work, '--resume', '--cfg-options',
             'custom_hooks=[]', env=ENV)  # fmt: skip
    assert safe_torch_load(osp.join(work, 'epoch_3.pth'))['meta']['epoch'] == 3
