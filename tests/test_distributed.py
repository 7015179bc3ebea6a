"""tools/dist_train.sh with two processes on the CPU (gloo)."""

import os
import os.path as osp
import socket

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
