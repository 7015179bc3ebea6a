"""custom_modules stays importable where transformers >= 5 is installed (mmpretrain 1.2.0's
multimodal models do not import under it, and mmdet imports them all)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def test_imports_with_transformers_5(tmp_path):
    path = fake_transformers(tmp_path, '5.0.0')
    # without the switch, mmpretrain's models do not import (the fake stands for transformers 5)
    bare = run('import mmpretrain.models', path)
    assert bare.returncode != 0 and 'fake transformers' in bare.stderr
    proc = run(
        'import custom_modules, mmdet.models, mmpretrain.models\n'
        'from mmpretrain.utils.dependency import WITH_MULTIMODAL\n'
        'print("multimodal", WITH_MULTIMODAL)',
        path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'multimodal False' in proc.stdout


def test_transformers_4_left_alone(tmp_path):
    from custom_modules.compat import disable_mmpretrain_multimodal_under_transformers_5

    path = fake_transformers(tmp_path, '4.40.0')
    compat = ROOT / 'custom_modules' / 'compat.py'
    proc = run(  # the module alone: importing custom_modules would meet the unusable fake
        'import importlib.util as u\n'
        f's = u.spec_from_file_location("compat", r"{compat}")\n'
        'm = u.module_from_spec(s); s.loader.exec_module(m)\n'
        'print("switched", m.disable_mmpretrain_multimodal_under_transformers_5())',
        path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'switched False' in proc.stdout
    # and here (no transformers installed by the project) nothing is switched either
    assert disable_mmpretrain_multimodal_under_transformers_5() is False
