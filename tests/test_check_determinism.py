"""tools/check_determinism.py: two trials of the tiny detector on the CPU are bitwise equal, and
the comparison notices a one-ulp difference."""

import os.path as osp

import torch

from tools.check_determinism import compare, main

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_cpu_training_is_bitwise_deterministic(capsys, tmp_path):
    cfg = osp.join(ROOT, 'tests/configs/faster-rcnn_tiny_nyu-demo.py')
    assert main([cfg, '--steps', '2', '--device', 'cpu', '--strict']) == 0
    out = capsys.readouterr().out
    assert 'step 2: loss ' in out
    assert out.strip().endswith('bitwise deterministic: yes')


def test_compare_notices_one_ulp():
    losses = [{'loss': torch.tensor(1.5, dtype=torch.float64)}]
    state = {'w': torch.ones(3), 'n': torch.tensor(4)}
    same = compare((losses, state), (losses, {k: v.clone() for k, v in state.items()}))
    assert same[0] and same[1:4] == (0.0, 0.0, 0)
    w = state['w'].clone()
    w[1] = torch.nextafter(w[1], torch.tensor(2.0))
    equal, loss_diff, weight_diff, differing, total = compare(
        (losses, state), (losses, {'w': w, 'n': state['n']})
    )
    assert not equal and differing == 1 and total == 2
    assert weight_diff == float(w[1] - 1.0) > 0
    other = [{'loss': torch.tensor(1.5, dtype=torch.float64).nextafter(torch.tensor(2.0).double())}]
    assert not compare((losses, state), (other, state))[0]
