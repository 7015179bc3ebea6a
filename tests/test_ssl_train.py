"""The SSL configs train from tools/train.py; the backbone is handed on to a detector."""

import glob
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import ROOT, run_tool, tensorboard_tags

from custom_modules.engine import safe_torch_load
from tools.compute_mean_std import mean_std
from tools.extract_backbone import main as extract_main

pytestmark = pytest.mark.heavy  # scheduled first (tests/conftest.py)

SSL_TINY = {
    name: osp.join(ROOT, 'tests', 'configs', f'{name}_tiny_nyu-demo.py')
    for name in ('barlowtwins', 'vicreg', 'vicregl', 'densecl')
}


def last_log(work):
    return open(
        max(
            (osp.join(dp, f) for dp, _, fs in os.walk(work) for f in fs if f.endswith('.log')),
            key=osp.getmtime,
        )
    ).read()


@pytest.fixture(scope='module', params=sorted(SSL_TINY))
def ssl_run(request, demo_root, tmp_path_factory):
    work = str(tmp_path_factory.mktemp(request.param))
    run_tool(
        'tools/train.py',
        SSL_TINY[request.param],
        '--work-dir',
        work,
        '--data-root',  # reaches the k-NN probe too: the tiny config's own data_root is ''
        demo_root,
    )
    return request.param, work


def test_ssl_trains_and_logs(ssl_run):
    name, work = ssl_run
    log = last_log(work)
    assert 'Epoch(train) [2][2/2]' in log
    assert log.count('k-NN probe (epoch') == 3  # KNNProbeHook: before training, epochs 1, 2
    assert 'knn' not in ''.join(line for line in log.splitlines() if 'Epoch(train)' in line)
    (scalars,) = glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json'))
    rows = [json.loads(line) for line in open(scalars)]
    probes = [(r['knn/epoch'], r['step']) for r in rows if 'knn/top1' in r]
    assert probes == [(0, 0), (1, 2), (2, 4)]  # epochs trained, at iterations 0, 2, 4
    # and the same scalars reach TensorBoard
    # SSLDiagnosticsHook (cross-correlation of the two views' embeddings): not for DenseCL, whose
    # momentum encoder makes the second
    cc = ('cc_diag', 'cc_offdiag', 'cc_diag_gt_0.9', 'eff_rank') if name != 'densecl' else ()
    tags = tensorboard_tags(work)
    assert {'loss', 'knn/top1', 'knn/epoch', *cc} <= tags, tags
    for key in cc:
        assert f'{key}: ' in log, key
    terms = dict(vicreg=('repr_term', 'std_term', 'cov_term'),
                 vicregl=('inv_term', 'var_term', 'local_inv_term', 'local_cov_term'))  # fmt: skip
    for term in terms.get(name, ()):  # the weighted terms are logged separately
        assert f'{term}: ' in log, term
    ckpt = safe_torch_load(osp.join(work, 'epoch_2.pth'))
    assert all(np.isfinite(v.float().numpy()).all() for v in ckpt['state_dict'].values())


def test_ssl_resumes(ssl_run, demo_root, tmp_path):
    name, work = ssl_run
    proc = run_tool(
        'tools/train.py',
        SSL_TINY[name],
        '--work-dir',
        str(tmp_path),
        '--resume',
        osp.join(work, 'epoch_1.pth'),
        '--data-root',
        demo_root,
    )
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    assert osp.isfile(tmp_path / 'epoch_2.pth')


# the tools that read an SSL checkpoint: on the two methods of make demo's kind (the others
# train and resume above; their backbones are the same ResNet)
TOOL_RUNS = pytest.mark.parametrize('ssl_run', ['barlowtwins', 'vicreg'], indirect=True)


@TOOL_RUNS
def test_extract_backbone_loads_into_the_detector(ssl_run, tmp_path, capsys):
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    _, work = ssl_run
    src = osp.join(work, 'epoch_2.pth')
    out = str(tmp_path / 'backbone.pth')
    extract_main([src, out])
    assert 'kept ' in capsys.readouterr().out
    ssl_state = safe_torch_load(src)['state_dict']
    backbone = safe_torch_load(out)['state_dict']
    assert len(backbone) == sum(k.startswith('backbone.') for k in ssl_state)

    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py')
    )
    init_default_scope('mmdet')
    for ckpt, prefix in ((out, None), (src, 'backbone.')):
        init = dict(type='Pretrained', checkpoint=ckpt)
        if prefix:
            init['prefix'] = prefix
        cfg.model.backbone.init_cfg = init
        det = MODELS.build(cfg.model)
        det.init_weights()
        for k, v in det.backbone.state_dict().items():
            if k.endswith('num_batches_tracked'):
                continue
            assert torch.equal(v, backbone[k]), k


def test_compute_mean_std(tmp_path):
    import cv2

    a = np.zeros((4, 5, 3), np.uint8)
    a[:] = (30, 20, 10)  # BGR on disk: RGB (10, 20, 30)
    b = np.zeros((4, 5, 3), np.uint8)
    b[:] = (50, 40, 30)
    cv2.imwrite(str(tmp_path / '1.png'), a)
    cv2.imwrite(str(tmp_path / '2.png'), b)
    mean, std, skipped = mean_std([str(tmp_path / '1.png'), str(tmp_path / '2.png')], False)
    assert np.allclose(mean, [20, 30, 40]) and np.allclose(std, [10, 10, 10]) and not skipped


def test_cross_correlation_numbers():
    from custom_modules.models import correlation_stats, cross_correlation, effective_rank

    q, _ = torch.linalg.qr(torch.randn(256, 16, dtype=torch.float64))
    z = (q - q.mean(0)) * 16  # decorrelated, unit-variance dimensions
    s = correlation_stats(cross_correlation(z, z), z)
    assert s['mean_diagonal'] > 0.999 and s['diagonal_above_0_9'] == 1.0
    assert s['mean_abs_off_diagonal'] < 0.01
    assert 15 < s['effective_rank'] <= 16
    collapsed = torch.randn(256, 1, dtype=torch.float64) @ torch.ones(1, 16, dtype=torch.float64)
    assert effective_rank(collapsed) < 1.1


@TOOL_RUNS
def test_vis_cross_correlation_tool(ssl_run, demo_root, tmp_path, capsys):
    from tools.vis_cross_correlation import main as vis_main

    name, work = ssl_run
    out = str(tmp_path / 'cc.png')
    stats = vis_main([
        SSL_TINY[name], osp.join(work, 'epoch_2.pth'), '--num', '6', '--out', out,
        '--cfg-options', f'train_dataloader.dataset.data_root={demo_root}',
    ])  # fmt: skip
    assert osp.getsize(out) > 1000
    assert set(stats) == {
        'mean_diagonal',
        'mean_abs_off_diagonal',
        'diagonal_above_0_9',
        'effective_rank',
    }
    assert 'effective_rank' in capsys.readouterr().out


@TOOL_RUNS
def test_probe_backbone_tool(ssl_run, demo_root, capsys):
    """Raw pixels (one number), random init and the checkpoint (one per stage), printed."""
    from tools.probe_backbone import main as probe_main

    name, work = ssl_run
    ckpt = osp.join(work, 'epoch_2.pth')
    rows = probe_main([SSL_TINY[name], ckpt, '--data-root', demo_root, '--crop-size', '16',
                       '--max-train', '40', '--max-val', '20'])  # fmt: skip
    assert [r[0] for r in rows] == ['raw pixels', 'random init', ckpt]
    assert len(rows[0][2]) == 1 and len(rows[1][2]) == len(rows[2][2]) == 4
    assert all(0 <= a <= 1 for r in rows for a in r[2])
    out = capsys.readouterr().out
    assert '| raw pixels | 16 |' in out and 'stage 4' in out


def test_probe_backbone_takes_its_datasets_from_a_file(tmp_path, monkeypatch):
    """--probe-data: the memory and the queries are the file's datasets, moved by --data-root;
    on the demo's probe splits (make_demo_data --probe) the tool runs through."""
    import tools.probe_backbone as tool
    from tools.make_demo_data import main as make_data

    make_data([str(tmp_path), '--probe', '4'])
    seen, probe = [], tool.probe
    monkeypatch.setattr(tool, 'probe', lambda cfg, tr, va, *a: seen.append((tr, va)) or probe(
        cfg, tr, va, *a))  # fmt: skip
    data = 'configs/_base_/datasets/demo_drawing_probe.py'
    rows = tool.main([SSL_TINY['barlowtwins'], '--probe-data', data, '--data-root', str(tmp_path),
                      '--crop-size', '16'])  # fmt: skip
    ((train, val),) = seen
    assert train['data_prefix']['img'] == 'labeled/probe_memory/images'
    assert val['data_prefix']['img'] == 'labeled/probe_queries/images'
    assert train['data_root'] == val['data_root'] == str(tmp_path)
    assert [r[0] for r in rows] == ['raw pixels', 'random init']
    with pytest.raises(SystemExit):
        tool.main([SSL_TINY['barlowtwins'], '--held-out', '2', '--probe-data', 'x.py'])


def test_nearest_shares_tells_object_features_from_background_features():
    """Features that encode only the object find it on every other background and the
    background no better than by chance; features of the background alone the reverse."""
    from tools.probe_shortcuts import nearest_shares

    obj, bg = torch.arange(4).repeat_interleave(3), torch.arange(3).repeat(4)
    g = torch.Generator().manual_seed(0)
    noise = 0.01 * torch.randn(12, 8, generator=g)
    o, b = nearest_shares(torch.eye(8)[obj] + noise, obj, bg)
    assert o == 1.0 and b < 0.6
    o, b = nearest_shares(torch.eye(8)[4 + bg] + noise, obj, bg)
    assert o < 0.6 and b == 1.0


def test_probe_shortcuts_tool(capsys):
    """Raw pixels, then random init at every stage, on a grid of objects x backgrounds."""
    from tools.lib.demo_data import object_background_grid
    from tools.probe_shortcuts import main as shortcuts

    images, obj, bg = object_background_grid(3, 2, 32)
    assert images.shape == (6, 32, 32, 3) and list(obj) == [0, 0, 1, 1, 2, 2]
    assert list(bg) == [0, 1] * 3 and not (images[0] == images[2]).all()
    rows = shortcuts([SSL_TINY['barlowtwins'], '--objects', '3', '--backgrounds', '2',
                      '--size', '32'])  # fmt: skip
    assert [r[:2] for r in rows] == [('raw pixels', 0)] + [('random init', s) for s in (1, 2, 3, 4)]
    assert all(0 <= v <= 1 for r in rows for v in r[2:])
    assert 'chance: object 0.333, background 0.500' in capsys.readouterr().out


def test_knn_top1():
    from custom_modules.hooks import knn_top1

    g = torch.Generator().manual_seed(0)
    centres = torch.nn.functional.normalize(torch.randn(3, 8, generator=g), dim=1)
    y = torch.arange(3).repeat_interleave(10)
    x = torch.nn.functional.normalize(centres[y] + 0.05 * torch.randn(30, 8, generator=g), dim=1)
    assert knn_top1(x, y, x, y, k=5) == 1.0
    assert knn_top1(x, y, x, (y + 1) % 3, k=5) == 0.0


def test_sweep_projector_tool(demo_root, tmp_path):
    """Trains the missing run, measures it, writes the table, json and plot; a rerun reuses it."""
    out = tmp_path / 'sweep'
    args = ('tools/sweep_projector.py', 'tests/configs/barlowtwins_tiny_nyu-demo.py', '--out',
            str(out), '--data-root', demo_root + '/', '--num', '6',
            '--cfg-options', 'train_cfg.max_epochs=1')  # fmt: skip
    proc = run_tool(*args, '--train', timeout=900)
    rows = json.loads((out / 'sweep.json').read_text())
    assert [r['width'] for r in rows] == [512]
    r = rows[0]
    assert -1 <= r['mean_diagonal'] <= 1 and 0 <= r['mean_abs_off_diagonal'] <= 1
    assert 1 <= r['effective_rank'] <= 12 and r['knn_top1'] is not None
    assert (out / 'sweep.png').stat().st_size > 0 and '| 512 |' in (out / 'sweep.md').read_text()
    again = run_tool(*args, timeout=900)  # no --train: measures the finished run only
    assert 'tools/train.py' in proc.stdout and 'tools/train.py' not in again.stdout
    assert json.loads((out / 'sweep.json').read_text())[0]['mean_diagonal'] == r['mean_diagonal']


def test_probe_backbone_stages_of_swin():
    """Every stage of mmpretrain's Swin, including those pretraining had no norm for; the
    backbone is left as it was."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    from tools.probe_backbone import stage_features

    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/barlowtwins/barlowtwins_swin-w32_1xb64-adamw-coslr-20e_nyu-demo.py')
    )
    init_default_scope('mmpretrain')
    cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(cfg.model).eval()
    crops = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    feats = stage_features(model, crops)
    assert [tuple(f.shape) for f in feats] == [(2, 32), (2, 64), (2, 128), (2, 256)]
    assert model.backbone.out_indices == (3,) and not hasattr(model.backbone, 'norm0')
