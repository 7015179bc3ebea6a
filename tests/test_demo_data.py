"""tools/make_demo_data.py: the NYU layout, deterministic by seed."""

import filecmp
import os

from tools.make_demo_data import main


def _files(root):
    return sorted(
        os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
    )


def test_deterministic_by_seed(tmp_path):
    a, b, c = (str(tmp_path / n) for n in 'abc')
    for out, seed in ((a, 3), (b, 3), (c, 4)):
        main([out, '--seed', str(seed), '--train', '3', '--val', '2', '--unlabeled', '2'])
    files = _files(a)
    assert files == _files(b) == _files(c)
    assert 'labeled/training/images/1.JPEG' in files and 'labeled/training/labels/3.yml' in files
    assert 'labeled/validation/images/2.JPEG' in files and 'unlabeled/2.PNG' in files
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors
    _, mismatch, _ = filecmp.cmpfiles(a, c, files, shallow=False)
    assert len(mismatch) == len(files)
