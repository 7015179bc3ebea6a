"""tools/dist_train.sh with two processes on the CPU (gloo)."""

import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
from conftest import ROOT, TINY_DET, run_tool

from custom_modules.engine import safe_torch_load


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_dist_train_two_processes(demo_root, tmp_path):
    work = str(tmp_path)
    run_tool(
        'bash', 'tools/dist_train.sh', TINY_DET, '2', '--work-dir', work,
        '--cfg-options', 'train_cfg.max_epochs=1',
        *[f'{k}_dataloader.dataset.data_root={demo_root}' for k in ('train', 'val', 'test')],
        env={'PORT': str(free_port()), 'OMP_NUM_THREADS': '1'},
    )  # fmt: skip
    log = open(next(osp.join(dp, f) for dp, _, fs in os.walk(work) for f in fs
                    if f.endswith('.log'))).read()  # fmt: skip
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    # 8 images split over 2 processes, 2 per batch: 2 iterations per epoch on each
    assert 'Epoch(train) [1][2/2]' in log and '[1][3/' not in log
    assert 'coco/bbox_mAP' in log
    ckpt = safe_torch_load(osp.join(work, 'epoch_1.pth'))
    assert not any(k.startswith('module.') for k in ckpt['state_dict'])


@pytest.mark.parametrize('name', ['barlowtwins', 'vicreg', 'vicregl', 'densecl'])
def test_dist_train_ssl_two_processes(name, demo_root, tmp_path):
    work = str(tmp_path)
    config = osp.join(ROOT, 'tests', 'configs', f'{name}_tiny_nyu-demo.py')
    run_tool(
        'bash', 'tools/dist_train.sh', config, '2', '--work-dir', work,
        '--data-root', demo_root, '--cfg-options', 'train_cfg.max_epochs=1',
        env={'PORT': str(free_port()), 'OMP_NUM_THREADS': '1'},
    )  # fmt: skip
    log = open(next(osp.join(dp, f) for dp, _, fs in os.walk(work) for f in fs
                    if f.endswith('.log'))).read()  # fmt: skip
    assert 'Distributed training: True' in log
    # 6 images over 2 processes, 4 per batch: one iteration per epoch on each
    assert 'Epoch(train) [1][1/1]' in log
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))


def test_cpu_process_group_is_closed_before_the_interpreter_ends():
    """A gloo group left open at exit can abort the process (SIGABRT) at teardown."""
    code = (
        'import atexit, torch.distributed as dist\n'
        'from mmengine.config import Config\n'
        'from custom_modules.engine import close_dist, init_cpu_dist\n'
        'assert init_cpu_dist(Config()) and dist.is_initialized()\n'
        'atexit._run_exitfuncs()\n'
        'assert not dist.is_initialized(), "init_cpu_dist registered no teardown"\n'
        'close_dist()  # a second close (train.py, then atexit) is harmless\n'
        'print("closed")\n'
    )
    env = {
        'RANK': '0',
        'WORLD_SIZE': '1',
        'MASTER_ADDR': '127.0.0.1',
        'MASTER_PORT': str(free_port()),
    }
    proc = subprocess.run(
        [sys.executable, '-c', code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, **env),
        timeout=300,
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith('closed'), proc.stderr[-3000:]


def test_a_finished_torchrun_worker_leaves_without_the_interpreter_teardown(tmp_path):
    """leave_worker: with WORLD_SIZE > 1 the process exits 0 at once (atexit handlers, where
    the C++ teardown aborts, do not run) with its buffered output and log file written; with
    one process it returns."""
    log = tmp_path / 'run.log'
    code = (
        'import atexit, logging\n'
        'from custom_modules.engine import leave_worker\n'
        f'logging.basicConfig(filename={str(log)!r}, level=logging.INFO)\n'
        'atexit.register(lambda: print("finalised"))\n'
        'logging.info("logged")\n'
        'print("printed")  # stdout is a pipe: buffered until flushed\n'
        'leave_worker()\n'
        'print("returned")\n'
    )
    for world, returned in (('2', False), ('1', True)):
        proc = subprocess.run(
            [sys.executable, '-c', code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=dict(os.environ, WORLD_SIZE=world),
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        lines = proc.stdout.split()
        assert lines[0] == 'printed' and ('returned' in lines) == returned
        assert ('finalised' in lines) == returned  # atexit ran only on the normal exit
        assert 'logged' in log.read_text()
