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


def test_ssl_config_trains_on_normalised_pixels(demo_root, monkeypatch, capsys):
    """An mmpretrain config keeps ``data_preprocessor`` (mean, std, BGR->RGB) at the top level:
    the tool trains the model the Runner would build, on normalised views (its own builder once
    built ``cfg.model`` alone and trained Barlow Twins on raw 0-255 pixels)."""
    from mmpretrain.models.utils import SelfSupDataPreprocessor

    views, forward = [], SelfSupDataPreprocessor.forward

    def recording(self, data, training=False):
        out = forward(self, data, training)
        views.extend(out['inputs'])
        return out

    monkeypatch.setattr(SelfSupDataPreprocessor, 'forward', recording)
    cfg = osp.join(ROOT, 'tests/configs/barlowtwins_tiny_nyu-demo.py')
    args = [cfg, '--data-root', demo_root + '/', '--steps', '1', '--batch-size', '2']
    assert main(args + ['--device', 'cpu']) == 0
    assert 'step 1: loss ' in capsys.readouterr().out
    assert len(views) == 2 * 2  # two views per step, two trials
    for v in views:  # raw pixels: mean about 110, sd about 60
        assert abs(float(v.mean())) < 1.5 and 0.3 < float(v.std()) < 2.5
