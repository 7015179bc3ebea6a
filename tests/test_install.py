"""The pinned stack works together: numpy 1.x with opencv 4.x, mmcv's ops, hue jitter."""

import cv2
import numpy as np
import pytest
import torch


def test_versions():
    import mmcv
    import mmdet
    import mmengine
    import mmpretrain

    assert (mmcv.__version__, mmdet.__version__, mmengine.__version__, mmpretrain.__version__) == (
        '2.1.0',
        '3.3.0',
        '0.10.7',
        '1.2.0',
    )
    assert np.__version__.startswith('1.'), 'mmcv 2.1.0 adjust_hue overflows under numpy 2'
    assert cv2.__version__.startswith('4.')


@pytest.mark.parametrize('hue', [-0.5, -0.1, 0.1, 0.5])
def test_adjust_hue_does_not_overflow(hue):
    import mmcv

    img = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    out = mmcv.adjust_hue(img, hue)
    assert out.shape == img.shape and out.dtype == np.uint8


def test_ssl_color_jitter_runs():
    from mmpretrain.registry import TRANSFORMS

    jitter = TRANSFORMS.build(
        dict(type='mmpretrain.ColorJitter', brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1)
    )
    img = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    for _ in range(10):
        assert jitter(dict(img=img.copy()))['img'].shape == (32, 32, 3)


def test_mmcv_ops_compiled():
    from mmcv.ops import RoIAlign, nms

    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], dtype=torch.float)
    _, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5)
    assert keep.tolist() == [0, 2]
    feats = torch.arange(16.0).view(1, 1, 4, 4)
    out = RoIAlign((2, 2), 1.0, 0)(feats, torch.tensor([[0, 0, 0, 4, 4.0]]))
    assert out.shape == (1, 1, 2, 2)


def test_package_imports_from_anywhere_and_builds(tmp_path):
    """pip install -e . (tools/install.sh) makes custom_modules (for upstream tools and configs
    elsewhere) and tools with its library tools.lib (for our tools, benchmarks and tests: no
    sys.path edits) importable outside the repo, and the project builds as one wheel."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    proc = subprocess.run(
        [sys.executable, '-c', 'import custom_modules, tools.lib.config as c; '
         'print(custom_modules.__file__); print(c.__file__)'],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [Path(line) for line in proc.stdout.split()] == [
        root / 'custom_modules' / '__init__.py',
        root / 'tools' / 'lib' / 'config.py',
    ]
    src = tmp_path / 'src'  # a copy: building writes build/ and *.egg-info beside the sources
    for package in ('custom_modules', 'tools'):
        shutil.copytree(root / package, src / package,
                        ignore=shutil.ignore_patterns('__pycache__'))  # fmt: skip
    shutil.copy(root / 'pyproject.toml', src)
    for other in ('tests', 'configs'):  # present, as in the repo, and left out
        (src / other).mkdir()
        (src / other / '__init__.py').write_text('')
    wheel = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation',
         '-w', str(tmp_path / 'dist'), str(src)],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert wheel.returncode == 0, wheel.stderr[-2000:]
    (built,) = (tmp_path / 'dist').glob('ssl_det-*.whl')
    import zipfile

    names = zipfile.ZipFile(built).namelist()
    assert {'custom_modules/patches.py', 'tools/lib/config.py', 'tools/train.py'} <= set(names)
    assert not any(n.startswith(('tests/', 'configs/')) for n in names)


def test_tools_benchmarks_and_tests_do_not_edit_sys_path():
    """They import custom_modules and tools.lib as installed (pip install -e .); a sys.path edit
    would hide a broken install and needs an E402 exemption for every import after it."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pattern = re.compile(r'sys\.path\.(insert|append)\(|noqa: ' + 'E402')  # not this line
    found = [
        f'{path.relative_to(root)}:{i}'
        for folder in ('tools', 'benchmarks', 'tests')
        for path in sorted((root / folder).rglob('*.py'))
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, found


def test_no_pkg_resources_warning_at_start():
    """mmengine's is_installed (called while a Runner is built) imports pkg_resources; setuptools
    >= 80 makes that a UserWarning printed at every start of every tool (tools/install.sh pins
    setuptools < 80)."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, '-c', 'import custom_modules; from mmengine.utils import is_installed; '
         'assert is_installed("mmdet")'],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'pkg_resources' not in proc.stderr, proc.stderr[-2000:]
