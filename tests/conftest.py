import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
TINY_DET = osp.join(ROOT, 'tests', 'configs', 'faster-rcnn_tiny_nyu-demo.py')


def run_tool(*args, timeout=600, env=None, check=True):
    """Run a project tool as a user would (a real process); return the CompletedProcess."""
    full_env = dict(os.environ, PYTHONWARNINGS='ignore', **(env or {}))
    proc = subprocess.run(
        [sys.executable, *args] if args[0].endswith('.py') else list(args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f'{args} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}'
        )
    return proc


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory):
    """A tiny demo data set in the NYU layout (8 training, 4 validation, 6 unlabeled)."""
    out = tmp_path_factory.mktemp('demo')
    from tools.make_demo_data import main

    main([str(out), '--seed', '1', '--train', '8', '--val', '4', '--unlabeled', '6'])
    return str(out)
