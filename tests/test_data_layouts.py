"""Only the NYU layout's own modules know the layout (issue 25): every other feature (label
fractions, the k-NN probe, the checks, the matrix, the pictures) takes a dataset config, so it
works on a COCO json or any folder of photos."""

import glob
import os.path as osp
import re

from conftest import ROOT

# the layout's modules, its converter, and the demo data's writers (which make the layout)
KNOW_THE_LAYOUT = {
    'custom_modules/datasets/nyu_labeled.py',
    'custom_modules/datasets/nyu_labels.py',
    'tools/dataset_converters/nyu2coco.py',
    'tools/lib/demo_data/__init__.py',
    'tools/lib/demo_data/common.py',
    'tools/make_demo_data.py',
}
# its folder names as paths (not as dict keys: counts["unlabeled"]), and its readers
LAYOUT = re.compile(
    r"""labeled/|['"](un)?labeled['"](?!\])|['"](training|validation)/(images|labels)"""
    r"""|\bindex_split\b|\bparse_label_file\b"""
)


def test_only_the_nyu_modules_read_the_nyu_layout():
    files = glob.glob(osp.join(ROOT, 'custom_modules', '**', '*.py'), recursive=True)
    files += glob.glob(osp.join(ROOT, 'tools', '**', '*.py'), recursive=True)
    files += glob.glob(osp.join(ROOT, 'tools', '*.sh'))
    assert len(files) > 40
    found = []
    for path in files:
        rel = osp.relpath(path, ROOT)
        if rel in KNOW_THE_LAYOUT:
            continue
        for n, line in enumerate(open(path, encoding='utf-8'), 1):
            if LAYOUT.search(line):
                found.append(f'{rel}:{n}: {line.strip()}')
    assert not found, '\n'.join(found)


def test_the_pattern_finds_what_it_looks_for():
    for line in ("osp.join(root, 'labeled', split)", "'data/nyu/labeled/training/images'",
                 "data_prefix='unlabeled'", 'index_split(a, b, c)'):  # fmt: skip
        assert LAYOUT.search(line), line
    assert not LAYOUT.search("data_prefix=dict(img='training/')")
