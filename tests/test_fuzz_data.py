"""Bad data at random: a demo data set corrupted with a fixed seed is checked by
tools/check_dataset.py and trained on for one epoch by the tiny detector (real processes)."""

import json
import os
import os.path as osp
import random
import re
import struct
import zlib

import pytest
import yaml
from conftest import ROOT, run_tool, tiny_config

from custom_modules.datasets import DEMO_CLASSES

ENV = dict(PYTHONPATH=osp.join(ROOT, 'tests'))
FATAL = ('truncated', 'zero_byte', 'huge', 'broken_yaml', 'unknown_class')
REPAIRED = ('wrong_extension', 'box_partly_outside', 'box_wholly_outside')


def huge_png(width=9000, height=9000):
    """A PNG whose header claims width x height pixels (81M: over read_image's 64M limit,
    under PIL's own bomb limit), with an IDAT and IEND so it is not 'truncated'."""

    def chunk(kind, data):
        return (
            struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
        )

    ihdr = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr)
            + chunk(b'IDAT', zlib.compress(b'\x00' * 64)) + chunk(b'IEND', b''))  # fmt: skip


@pytest.fixture(scope='module')
def fuzzed(tmp_path_factory):
    """12 training images, 8 of them corrupted (one of each kind) at random, seed 0.

    Returns the root and {kind: path of the file that carries the fault}."""
    from tools.make_demo_data import main

    root = str(tmp_path_factory.mktemp('fuzz'))
    main([root, '--seed', '3', '--train', '12', '--val', '2', '--unlabeled', '1'])
    img_dir = osp.join(root, 'labeled', 'training', 'images')
    ann_dir = osp.join(root, 'labeled', 'training', 'labels')
    rng = random.Random(0)
    stems = sorted(osp.splitext(f)[0] for f in os.listdir(img_dir))
    victims = dict(zip(FATAL + REPAIRED, rng.sample(stems, len(FATAL + REPAIRED))))
    where = {}
    for kind, stem in victims.items():
        img, ann = osp.join(img_dir, f'{stem}.JPEG'), osp.join(ann_dir, f'{stem}.yml')
        label = yaml.safe_load(open(ann))
        w, h = label['image_size']
        if kind == 'truncated':
            data = open(img, 'rb').read()
            open(img, 'wb').write(data[: rng.randint(len(data) // 4, 3 * len(data) // 4)])
        elif kind == 'zero_byte':
            open(img, 'wb').close()
        elif kind == 'huge':
            open(img, 'wb').write(huge_png())
        elif kind == 'wrong_extension':  # JPEG bytes in a .png file
            os.rename(img, img[: -len('.JPEG')] + '.png')
            img = img[: -len('.JPEG')] + '.png'
        elif kind == 'broken_yaml':
            open(ann, 'w').write('bboxes: [[1, 2\nlabels: ]\n')
        elif kind == 'unknown_class':
            label['labels'][0] = 'eleven'
        elif kind == 'box_partly_outside':
            x1, y1, x2, y2 = label['bboxes'][0]
            label['bboxes'][0] = [x1, y1, w + 30, y2]
        elif kind == 'box_wholly_outside':
            label['bboxes'].append([w + 10, h + 10, w + 50, h + 50])
            label['labels'].append(DEMO_CLASSES[0])
        if kind in ('unknown_class', 'box_partly_outside', 'box_wholly_outside'):
            yaml.safe_dump(label, open(ann, 'w'))
        where[kind] = ann if kind in ('broken_yaml', 'unknown_class') or 'box' in kind else img
    return root, where


def test_check_dataset_lists_every_fault(fuzzed):
    root, where = fuzzed
    proc = run_tool('tools/check_dataset.py', '--data-root', root, '--demo', check=False)
    assert proc.returncode == 1
    unusable, repaired = proc.stdout.split('repaired or converted on load:')
    for kind in FATAL:
        assert where[kind] in unusable, kind
    for kind in REPAIRED:
        assert where[kind] in repaired, kind
    assert f'{len(FATAL)} problem(s) to fix before training' in proc.stdout


def _config(tmp, root, bad_data, audit=None):
    hooks = [f'dict(type="BoxAuditHook", out={audit!r})'] if audit else []
    extra = f"train_dataloader['dataset']['bad_data'] = {bad_data!r}"
    return tiny_config(str(tmp), 'det', root, hooks, extra, images=None, workers=2, epochs=1)


def test_bad_labels_stop_training_up_front_with_the_full_list(fuzzed, tmp_path):
    root, where = fuzzed
    proc = run_tool(
        'tools/train.py', _config(tmp_path, root, 'raise'), '--work-dir', str(tmp_path / 'w'),
        env=ENV, check=False,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and 'DatasetError' in out
    assert where['broken_yaml'] in out and where['unknown_class'] in out
    assert 'tools/check_dataset.py' in out
    assert 'Epoch(train)' not in out  # stopped before the first iteration


def test_one_epoch_on_bad_data_completes_and_names_every_bad_file(fuzzed, tmp_path):
    """bad_data='skip': unusable labels are left out up front, bad images are skipped by the
    two dataloader workers with their names; every box the model sees is inside its image."""
    root, where = fuzzed
    audit = str(tmp_path / 'boxes.jsonl')
    proc = run_tool(
        'tools/train.py', _config(tmp_path, root, 'skip', audit), '--work-dir',
        str(tmp_path / 'w'), env=ENV,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert 'Epoch(train) [1][5/5]' in out  # 10 usable labels, batches of 2
    for kind in ('truncated', 'zero_byte', 'huge'):  # met by a worker, named, skipped
        assert re.search(rf'skipping a bad image \(pid \d+\): {re.escape(where[kind])}: ', out), (
            kind
        )
    assert where['broken_yaml'] in out and where['unknown_class'] in out  # left out, named
    assert f'{where["box_partly_outside"]}: box 0' in out and 'clipped' in out
    assert f'{where["box_wholly_outside"]}: box ' in out and 'dropped' in out
    rows = [json.loads(line) for line in open(audit)]
    assert len(rows) == 10
    for row in rows:
        assert not any(k in row['path'] for k in (where['truncated'], where['huge']))
        for x1, y1, x2, y2 in row['boxes']:
            assert 0 <= x1 < x2 <= row['w'] + 1e-3 and 0 <= y1 < y2 <= row['h'] + 1e-3, row
