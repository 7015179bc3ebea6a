"""tools/gpu_check.py: the dry run on the CPU makes every row of the table; MFU arithmetic, the
peak table, FLOP counting, the shrunk shapes, the report's fail/skip rows, the wheelhouse's
requirements."""

import argparse
import json
import math
import os.path as osp
import subprocess

import pytest
import torch
from conftest import ROOT, run_tool
from mmengine.config import Config, DictAction

from tools.lib import flops, shrink
from tools.lib import gpu_check as gc
from tools.lib.config import option_args, stem, walk_dicts
from tools.lib.gpu_report import Report

pytestmark = pytest.mark.heavy  # scheduled first (tests/conftest.py)

# the full-scale configs issue 19 names: each gets one real training iteration
NAMED = (
    'barlowtwins_resnet50_8xb64-coslr-150e_nyu',
    'vicreg_resnet50_8xb64-coslr-100e_nyu',
    'barlowtwins_swin-t_8xb64-adamw-coslr-150e_nyu',
    'faster-rcnn_r50_fpn_8xb2-adam-40e_nyu',
    'faster-rcnn_swin-t-barlowtwins-pre_fpn_8xb2-adamw-40e_nyu',
    'detr_r50_8xb2-150e_nyu',
    'dino-4scale_r50_8xb2-12e_nyu',
    'updetr_r50-barlowtwins-pre_8xb8-adamw-60e_nyu',
)
INSTALL = (
    'torch sees the device',
    'packages',
    'mmcv ops built',
    'mmcv nms',
    'mmcv RoIAlign',
    'mmcv MultiScaleDeformableAttention',
    'demo data',
)


def test_every_named_full_scale_config_is_checked():
    stems = [stem(c) for c in gc.FULL_CONFIGS]
    assert set(NAMED) <= set(stems)
    assert all(osp.isfile(osp.join(ROOT, c)) for c in gc.FULL_CONFIGS)


def test_dry_run_makes_every_row(tmp_path):
    """The whole check on the CPU at tiny shapes: every row passes and is in both files."""
    out = tmp_path / 'gpu_check'
    args = [
        'tools/gpu_check.py',
        '--device',
        'cpu',
        '--dry-run',
        '--out',
        str(out),
        '--peak-tflops',
        'fp32=1',
        'tf32=1',
        'bf16=2',
    ]
    proc = run_tool(*args, timeout=300)
    assert 'passed, 0 failed, 0 skipped' in proc.stdout
    data = json.loads((out / 'gpu_check.json').read_text())
    rows = {r['check']: r for r in data['rows']}
    speed = [f'{name} step, {mode}' for name, *_ in gc.SPEED for mode, _ in gc.SPEED_MODES]
    determinism = [f'check_determinism {stem(c)}' for c, *_ in gc.DETERMINISM]
    expected = [*INSTALL, *speed, *(stem(c) for c in gc.FULL_CONFIGS), *determinism]
    assert sorted(rows) == sorted(expected)
    assert all(r['status'] == 'pass' for r in data['rows']), [
        (r['check'], r['text']) for r in data['rows'] if r['status'] != 'pass'
    ]
    md = (out / 'gpu_check.md').read_text()
    assert all(f'| {name} | pass |' in md for name in expected)
    assert data['fail'] == data['skip'] == 0 and data['dry_run']
    for name in speed:  # MFU = model FLOPs per second / the given peak
        n = rows[name]['numbers']
        peak = 2 if name.endswith('bf16') else 1
        assert n['ms_per_step'] > 0 and n['peak_tflops'] == peak
        assert math.isclose(n['mfu'], n['model_tflops'] / peak, rel_tol=1e-9)
        assert math.isclose(n['images_per_s'], n['batch'] / n['ms_per_step'] * 1e3, rel_tol=1e-9)
    assert rows['Faster R-CNN R50 step, fp32']['numbers']['input'] == '80x133'  # 1333x800 x 0.1
    for config in gc.FULL_CONFIGS:
        n = rows[stem(config)]['numbers']
        assert math.isfinite(n['loss']) and n['checkpoints'] >= 1
    # the pretrained checkpoints the configs load, made by the check from the pretraining's model
    for name in (
        'faster-rcnn_swin-t-barlowtwins-pre_fpn_8xb2-adamw-40e_nyu',
        'updetr_r50-barlowtwins-pre_8xb8-adamw-60e_nyu',
    ):
        assert rows[name]['numbers']['replaced'], name
    assert rows[determinism[0]]['numbers']['verdict'] == 'yes'


def test_mfu_arithmetic():
    # 3 TFLOP per step in 0.5 s = 6 TFLOP/s, half of a 12 TFLOP/s peak
    assert flops.mfu(3e12, 0.5, 12.0) == pytest.approx(0.5)
    assert flops.step_flops(2e9) == 6e9  # forward + a backward of twice its cost
    assert flops.mfu(3e12, 0.5, None) is None


def test_forward_flops_counts_two_per_multiply_add():
    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(8, 4, bias=False)
            self.conv = torch.nn.Conv2d(3, 5, 3, bias=False)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            return dict(loss=self.fc(inputs[0]).sum() + self.conv(inputs[1]).sum())

    data = dict(inputs=[torch.ones(2, 8), torch.ones(1, 3, 6, 6)])
    # linear: 2 rows x 8 x 4 multiply-adds; conv: 5 x 3 x 3 x 3 per output pixel, 4 x 4 pixels
    assert flops.forward_flops(Tiny(), data) == 2 * (2 * 8 * 4 + 5 * 27 * 16)


@pytest.mark.parametrize(
    'name, gpu',
    [
        ('NVIDIA H100 80GB HBM3', 'H100 SXM'),
        ('NVIDIA H100 PCIe', 'H100 PCIe'),
        ('NVIDIA H100 NVL', 'H100 NVL'),
        ('NVIDIA H200', 'H200 SXM'),
        ('NVIDIA GH200 480GB', 'GH200'),
        ('NVIDIA A100-SXM4-80GB', 'A100'),
        ('NVIDIA A100 80GB PCIe', 'A100'),
        ('NVIDIA L4', 'L4'),
        ('NVIDIA L40S', 'L40S'),
        ('NVIDIA A10', 'A10'),
        ('NVIDIA GeForce RTX 4090', 'GeForce RTX 4090'),
        ('Tesla V100-SXM2-16GB', 'V100 SXM2'),
        ('NVIDIA A10G', None),  # not the A10's numbers
        ('NVIDIA B200', None),
    ],
)
def test_peak_table_lookup(name, gpu):
    found = flops.find_gpu(name)
    assert (found and found['gpu']) == gpu


def test_peaks_and_overrides():
    assert flops.peak_tflops('NVIDIA H100 80GB HBM3', 'bf16')[0] == 989.4
    assert flops.peak_tflops('NVIDIA A100-SXM4-40GB', 'tf32')[0] == 156.0
    value, source = flops.peak_tflops('NVIDIA L4', 'bf16', {'bf16': 100.0})
    assert (value, source) == (100.0, '--peak-tflops')
    assert flops.peak_tflops('NVIDIA L4', 'tf32', {'bf16': 100.0})[0] == 60.0
    value, why = flops.peak_tflops('Tesla V100-SXM2-16GB', 'bf16')
    assert value is None and 'no bf16' in why
    value, why = flops.peak_tflops('NVIDIA B200', 'bf16')
    assert value is None and '--peak-tflops' in why
    assert flops.parse_peaks(['bf16=989', 'TF32=495']) == {'bf16': 989.0, 'tf32': 495.0}
    for bad in (['fp16=1'], ['bf16=x'], ['bf16=0']):
        with pytest.raises(ValueError):
            flops.parse_peaks(bad)
    for _, gpu, *_ in flops.PEAKS:  # every entry is reachable: no earlier pattern shadows it
        assert flops.find_gpu(f'NVIDIA {gpu}')['gpu'] == gpu


def test_dry_run_shrinks_every_image_size():
    """DETR's multi-scale resizes and crop, DINO's queries, the SSL views; and the options
    survive the command line (tuples stay tuples), as check_determinism receives them."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs/detr/detr_r50_8xb2-150e_nyu.py'))
    opts = shrink.dry_run_options(cfg)
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parsed = parser.parse_args(option_args(opts)).cfg_options
    assert parsed == opts
    cfg.merge_from_dict(parsed)
    sizes = [
        v
        for _, d in walk_dicts(cfg.train_dataloader.dataset.pipeline, 'p')
        for k, v in d.items()
        if k in ('scale', 'scales', 'crop_size')
    ]
    flat = [x for v in sizes for x in (v if isinstance(v[0], int) else sum(map(list, v), []))]
    assert flat and max(flat) <= 420 and min(flat) >= 16  # 4200 x 0.1 is the largest
    assert cfg.train_dataloader.batch_size == 2 and cfg.train_dataloader.num_workers == 0
    dino = Config.fromfile(osp.join(ROOT, 'configs/dino/dino-4scale_r50_8xb2-12e_nyu.py'))
    assert shrink.dry_run_options(dino)['model.num_queries'] == 50
    bt = Config.fromfile(osp.join(ROOT, gc.BT_R50))
    views = [v for k, v in shrink.dry_run_options(bt).items() if k.endswith('.scale')]
    assert views == [64, 64]
    frcnn = Config.fromfile(osp.join(ROOT, gc.FRCNN_R50))
    assert list(shrink.exact_resize_options(frcnn).values()) == [False]


def test_missing_checkpoints_come_from_the_config_that_writes_them():
    path = shrink.source_config(
        'work_dirs/barlowtwins_swin-t_8xb64-adamw-coslr-150e_nyu/epoch_150.pth'
    )
    assert path == osp.join(
        ROOT, 'configs/barlowtwins/barlowtwins_swin-t_8xb64-adamw-coslr-150e_nyu.py'
    )
    assert shrink.source_config('work_dirs/no_such_run/epoch_1.pth') is None
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/updetr/updetr_r50-barlowtwins-pre_8xb8-adamw-60e_nyu.py')
    )
    assert [k for k, _ in shrink.pretrained_inits(cfg)] == ['model.backbone.init_cfg']


def test_a_failed_row_does_not_stop_the_others(tmp_path):
    report = Report(str(tmp_path), dict(command='c', device='d', versions='v', date='now'))

    def broken():
        raise RuntimeError('CUDA out of memory\nmore')

    report.run('s', 'first', broken)
    report.run('s', 'second', lambda: ('fine', {'x': 1}))
    report.run('s', 'third', lambda: ('never', {}), needs=('first',))
    assert report.counts() == {'pass': 1, 'fail': 1, 'skip': 1}
    rows = json.loads((tmp_path / 'gpu_check.json').read_text())['rows']
    assert [r['status'] for r in rows] == ['fail', 'pass', 'skip']
    assert rows[0]['text'] == 'RuntimeError: CUDA out of memory'
    assert 'Traceback' in (tmp_path / rows[0]['error_log']).read_text()
    md = (tmp_path / 'gpu_check.md').read_text()
    assert (
        '| s | first | fail | RuntimeError: CUDA out of memory (traceback: `errors/first.txt`)'
        in md
    )
    assert '1 passed, 1 failed, 1 skipped' in md


def test_no_gpu_fails_the_device_row_and_skips_what_needs_it(tmp_path):
    """--device cuda on a machine without one: exit status 1, a reason, no crash."""
    from tools.gpu_check import main

    if torch.cuda.is_available():
        pytest.skip('this machine has a GPU')
    assert main(['--out', str(tmp_path), '--only', 'nms']) == 1
    rows = json.loads((tmp_path / 'gpu_check.json').read_text())['rows']
    assert [(r['check'], r['status']) for r in rows] == [
        ('torch sees the device', 'fail'),
        ('mmcv nms', 'skip'),
        ('demo data', 'pass'),
    ]
    assert 'sees no CUDA device' in rows[0]['text']


def test_wheelhouse_requirements(tmp_path):
    """Everything of requirements.txt but torch and torchvision, numpy < 2, and what mmcv needs
    to build and run offline; written without downloading."""
    script = osp.join(ROOT, 'tools', 'make_wheelhouse.sh')
    subprocess.run(
        ['bash', script, '--requirements-only', '3.12', str(tmp_path)],
        check=True,
        capture_output=True,
    )
    lines = (tmp_path / 'requirements.txt').read_text().splitlines()
    assert lines[0].startswith('# for CPython 3.12')
    names = {line.split('=')[0].split('<')[0].split('>')[0].lower() for line in lines[1:]}
    with open(osp.join(ROOT, 'requirements.txt')) as f:
        wanted = {
            line.split('=')[0].split('>')[0].lower()
            for line in f
            if line.strip() and not line.startswith('#')
        }
    assert wanted - {'torch', 'torchvision'} <= names and not names & {'torch', 'torchvision'}
    assert 'numpy<2' in lines and 'numpy==1.26.4' in lines
    assert {'addict', 'yapf', 'setuptools', 'wheel', 'ninja'} <= names
    bad = subprocess.run(['bash', script, '3'], capture_output=True, text=True)
    assert bad.returncode == 2 and 'usage' in bad.stderr


@pytest.mark.parametrize('script', ['gpu_check.sh', 'install_offline.sh', 'make_wheelhouse.sh'])
def test_shell_scripts_parse(script):
    subprocess.run(['bash', '-n', osp.join(ROOT, 'tools', script)], check=True)


def test_offline_install_refuses_a_python_without_torch(tmp_path):
    (tmp_path / 'requirements.txt').write_text('# for CPython 3.12 ...\n')
    proc = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'install_offline.sh'), str(tmp_path)],
        capture_output=True,
        text=True,
        env=dict(PATH='/usr/bin:/bin', PYTHON='/usr/bin/python3', HOME=str(tmp_path)),
    )
    assert proc.returncode == 1 and 'cannot import torch' in proc.stderr


def test_only_keeps_the_device_and_data_rows(tmp_path):
    check = gc.Check('cpu', str(tmp_path))
    names = [name for _, name, *_ in gc.rows(check, ['determinism faster', 'RoIAlign'])]
    assert names == ['torch sees the device', 'mmcv RoIAlign', 'demo data',
                     f'check_determinism {stem(gc.FRCNN_R50)}']  # fmt: skip
    assert check.determinism == [gc.FRCNN_R50]  # only its process is started
    assert len(gc.rows(check)) == 7 + 4 + len(gc.FULL_CONFIGS) + len(gc.DETERMINISM)
