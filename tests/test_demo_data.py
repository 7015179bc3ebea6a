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


def test_unlabeled_density_changes_only_the_unlabeled_images(tmp_path):
    """--unlabeled-objects/--unlabeled-sizes: the defaults write the same files as before, other
    values change every unlabeled image and leave the labeled splits byte-identical."""
    base = ['--seed', '1', '--train', '3', '--val', '2', '--unlabeled', '3']
    a, b, c = (str(tmp_path / n) for n in 'abc')
    main([a] + base)
    main([b] + base + ['--unlabeled-objects', '0', '5', '--unlabeled-sizes', '12', '44'])
    main([c] + base + ['--unlabeled-objects', '4', '8', '--unlabeled-sizes', '28', '56'])
    files = _files(a)
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors
    _, mismatch, errors = filecmp.cmpfiles(a, c, files, shallow=False)
    assert sorted(mismatch) == [f for f in files if f.startswith('unlabeled/')] and not errors


def test_val_seen_only_writes_one_split(tmp_path):
    main([str(tmp_path), '--val', '2', '--val-seen-only'])
    assert _files(str(tmp_path)) == [
        'labeled/validation/images/1.JPEG', 'labeled/validation/images/2.JPEG',
        'labeled/validation/labels/1.yml', 'labeled/validation/labels/2.yml',
    ]  # fmt: skip
