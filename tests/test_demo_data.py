"""tools/make_demo_data.py: the NYU layout, deterministic by seed; glyph splits and digits."""

import filecmp
import os

import numpy as np
import pytest
import yaml

from custom_modules.datasets import DEMO_CLASSES, DIGIT_CLASSES, NYU_CLASSES
from tools.lib import demo_data as make_demo_data
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
    assert sorted(mismatch) == [f for f in files if f != 'ATTRIBUTION.txt']


def test_unlabeled_density_changes_only_the_unlabeled_images(tmp_path):
    """--unlabeled-objects/--unlabeled-sizes: the defaults write the same files as before, other
    values change every unlabeled image and leave the labeled splits byte-identical."""
    base = ['--source', 'digits', '--seed', '1', '--train', '3', '--val', '2', '--unlabeled', '3']
    a, b, c = (str(tmp_path / n) for n in 'abc')
    main([a] + base)
    main([b] + base + ['--unlabeled-objects', '0', '5', '--unlabeled-sizes', '12', '44'])
    main([c] + base + ['--unlabeled-objects', '4', '8', '--unlabeled-sizes', '28', '56'])
    files = _files(a)
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors
    _, mismatch, errors = filecmp.cmpfiles(a, c, files, shallow=False)
    assert sorted(mismatch) == [f for f in files if f.startswith('unlabeled/')] and not errors


def test_flat_unlabeled_backgrounds_change_only_the_unlabeled_images(tmp_path):
    """--unlabeled-background flat (a control): the same glyphs in the same places on one grey;
    the labeled splits byte-identical to the default's."""
    base = ['--seed', '1', '--train', '2', '--val', '2', '--unlabeled', '2']
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    main([a] + base)
    main([b] + base + ['--unlabeled-background', 'flat'])
    files = _files(a)
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert sorted(mismatch) == [f for f in files if f.startswith('unlabeled/')] and not errors
    import cv2

    img = cv2.imread(os.path.join(b, 'unlabeled', '1.PNG')).astype(float)
    corners = np.stack([img[:4, :4], img[:4, -4:], img[-4:, :4], img[-4:, -4:]])
    assert abs(np.median(corners) - 128) < 16  # grey, up to the sensor noise and a small glyph


def test_val_seen_only_writes_one_split(tmp_path):
    main([str(tmp_path), '--val', '2', '--val-seen-only'])
    assert _files(str(tmp_path)) == [
        'ATTRIBUTION.txt',
        'labeled/validation/images/1.JPEG', 'labeled/validation/images/2.JPEG',
        'labeled/validation/labels/1.yml', 'labeled/validation/labels/2.yml',
    ]  # fmt: skip


def test_probe_writes_its_two_splits_beside_the_others(tmp_path):
    """--probe N adds labeled/probe_memory and labeled/probe_queries to a data folder and
    changes nothing there; its scenes are a function of the seed like every other split's."""
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    main([a, '--train', '2', '--val', '2', '--unlabeled', '2'])
    before = {f: open(os.path.join(a, f), 'rb').read() for f in _files(a)}
    main([a, '--probe', '3'])
    main([b, '--probe', '3'])
    probe = [f for f in _files(a) if f not in before]
    assert probe == [f for f in _files(b) if f != 'ATTRIBUTION.txt'] and len(probe) == 12
    assert {f.split('/')[1] for f in probe} == set(make_demo_data.PROBE_SPLITS)
    assert all(open(os.path.join(a, f), 'rb').read() == v for f, v in before.items())
    _, mismatch, errors = filecmp.cmpfiles(a, b, probe, shallow=False)
    assert not mismatch and not errors
    assert all(1 <= len(doc['labels']) <= 4 for doc in _labels(a, 'probe_queries'))
    with pytest.raises(SystemExit):
        main([str(tmp_path / 'c'), '--probe', '3', '--source', 'digits'])


def test_probe_drawings_are_training_drawings_split_in_two():
    """The probe's queries are one training drawing per class, its memory the class's other
    training drawings: no drawing in both, none of the validation split's."""
    train, val, _, _ = make_demo_data.glyph_splits()
    memory, queries = make_demo_data.probe_glyphs(train)
    held = {cp for v in val for cp in v}
    for t, m, q in zip(train, memory, queries):
        assert len(q) == 1 and m and set(m) | set(q) == set(t) and not set(m) & set(q)
        assert not (set(m) | set(q)) & held


def _labels(root, split):
    d = os.path.join(root, 'labeled', split, 'labels')
    return [yaml.safe_load(open(os.path.join(d, f))) for f in sorted(os.listdir(d))]


def test_glyph_classes_hold_out_validation_drawings():
    """Every class is a group of glyphs with at least one drawing held out for validation;
    the held-out drawings appear in no training scene, no unlabeled image, no distractor."""
    assert tuple(make_demo_data.GLYPH_CLASSES) == DEMO_CLASSES
    assert set(DEMO_CLASSES) <= set(NYU_CLASSES)
    train, val, unlabeled, distractors = make_demo_data.glyph_splits()
    seen = {cp for t in train for cp in t}
    held = {cp for v in val for cp in v}
    assert all(len(t) >= 2 for t in train) and all(len(v) >= 1 for v in val)
    assert not seen & held and not held & set(unlabeled) and not held & set(distractors)
    assert not seen & set(distractors) and seen <= set(unlabeled)
    assert len(unlabeled) > 100 * len(DEMO_CLASSES)  # far more kinds than the classes


def test_glyphs_render_in_colour():
    render = make_demo_data.GlyphRenderer()
    for cp in (0x1F415, 0x1F697, 0x2708):
        g = render[cp]
        assert g.shape[2] == 4 and max(g.shape[:2]) > 0.6 * make_demo_data.GLYPH_PX
        assert g[..., 3].max() == 1.0 and g[..., 3].min() == 0.0
        opaque = g[g[..., 3] > 0.9][:, :3]
        assert opaque.std(0).max() > 20  # colours, not a mask


def test_glyph_scenes_boxes_and_validation_drawings(tmp_path):
    out = str(tmp_path / 'g')
    main([out, '--train', '12', '--val', '6', '--unlabeled', '3'])
    for split in ('training', 'validation'):
        for doc in _labels(out, split):
            w, h = doc['image_size']
            assert 1 <= len(doc['labels']) <= 4 and set(doc['labels']) <= set(DEMO_CLASSES)
            for x1, y1, x2, y2 in doc['bboxes']:
                assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h and max(x2 - x1, y2 - y1) >= 10
    assert 'OpenMoji' in open(os.path.join(out, 'ATTRIBUTION.txt')).read()
    # a scene drawn with only held-out glyphs, and the glyph's pixels inside its box
    rng = np.random.default_rng(0)
    render = make_demo_data.GlyphRenderer()
    _, val, _, distractors = make_demo_data.glyph_splits()
    img, boxes, labels = make_demo_data.glyph_scene(rng, render, val, distractors,
                                                    make_demo_data.load_photos())  # fmt: skip
    assert img.dtype == np.uint8 and len(boxes) == len(labels) >= 1


def test_digits_source_keeps_the_earlier_data(tmp_path):
    out = str(tmp_path / 'd')
    main([out, '--source', 'digits', '--train', '4', '--val', '2', '--unlabeled', '2'])
    labels = {c for doc in _labels(out, 'training') for c in doc['labels']}
    assert labels and labels <= set(DIGIT_CLASSES)
    assert 'handwritten digits' in open(os.path.join(out, 'ATTRIBUTION.txt')).read()
    with pytest.raises(SystemExit):
        main([out, '--unlabeled-objects', '1', '2'])  # digits only
