import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.parametrize('cmd', [['check', '.'], ['format', '--check', '.']])
def test_ruff_clean(cmd):
    proc = subprocess.run(
        [sys.executable, '-m', 'ruff', *cmd], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
