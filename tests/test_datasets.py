import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import yaml
from PIL import Image

from custom_modules.datasets import (
    DEMO_CLASSES,
    NYU_CLASSES,
    DatasetError,
    NYUDetDataset,
    UnlabeledImageDataset,
    read_image,
)
from custom_modules.transforms import LoadImageChecked
from tools.check_dataset import main as check_main

CLASSES = ('cat', 'dog')


def make_split(root, items, split='training'):
    """items: {id: (label_doc or None, image array or bytes or None)}."""
    img_dir = osp.join(root, 'labeled', split, 'images')
    ann_dir = osp.join(root, 'labeled', split, 'labels')
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(ann_dir, exist_ok=True)
    for i, (doc, img) in items.items():
        if doc is not None:
            with open(osp.join(ann_dir, f'{i}.yml'), 'w') as f:
                f.write(doc if isinstance(doc, str) else yaml.safe_dump(doc))
        if isinstance(img, bytes):
            with open(osp.join(img_dir, f'{i}.JPEG'), 'wb') as f:
                f.write(img)
        elif img is not None:
            cv2.imwrite(osp.join(img_dir, f'{i}.JPEG'), img)
    return root


def good(w=40, h=30, boxes=([2, 3, 20, 25],), labels=('cat',)):
    return dict(image_size=[w, h], bboxes=[list(b) for b in boxes], labels=list(labels))


def rgb(w=40, h=30):
    return np.full((h, w, 3), 128, np.uint8)


def build(root, **kw):
    return NYUDetDataset(data_root=root, metainfo=dict(classes=CLASSES), pipeline=[], **kw)


def test_nyu_classes():
    assert len(NYU_CLASSES) == 100 and len(set(NYU_CLASSES)) == 100
    assert NYU_CLASSES[0] == 'cup or mug' and NYU_CLASSES[-1] == 'starfish'
    assert NYU_CLASSES[21] == 'tv or monitor'
    assert NYUDetDataset.METAINFO['classes'] == NYU_CLASSES


def test_loads_good_split(tmp_path):
    root = make_split(
        str(tmp_path),
        {
            7: (good(boxes=([1, 2, 10, 12], [5, 5, 30, 29]), labels=('dog', 'cat')), rgb()),
            12: (good(), rgb()),
        },
    )
    ds = build(root)
    assert len(ds) == 2
    info = ds.get_data_info(0)
    assert info['img_id'] == 7 and info['width'] == 40 and info['height'] == 30
    assert [i['bbox'] for i in info['instances']] == [[1, 2, 10, 12], [5, 5, 30, 29]]
    assert [i['bbox_label'] for i in info['instances']] == [1, 0]
    assert ds.get_data_info(1)['img_id'] == 12


def test_demo_data_loads(demo_root):
    ds = NYUDetDataset(data_root=demo_root, metainfo=dict(classes=DEMO_CLASSES), pipeline=[])
    assert len(ds) == 8
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        img, _ = read_image(info['img_path'])
        assert img.shape[:2] == (info['height'], info['width'])
        for inst in info['instances']:
            x1, y1, x2, y2 = inst['bbox']
            assert 0 <= x1 < x2 <= info['width'] and 0 <= y1 < y2 <= info['height']


def test_unknown_class_is_refused_naming_file(tmp_path):
    root = make_split(str(tmp_path), {1: (good(labels=('unicorn',)), rgb()), 2: (good(), rgb())})
    with pytest.raises(DatasetError, match=r'1\.yml.*unknown class.*unicorn'):
        build(root)
    ds = build(root, bad_data='skip')
    assert [ds.get_data_info(i)['img_id'] for i in range(len(ds))] == [2]


def test_missing_label_and_missing_image(tmp_path):
    root = make_split(str(tmp_path), {1: (None, rgb()), 2: (good(), None), 3: (good(), rgb())})
    with pytest.raises(DatasetError) as e:
        build(root)
    assert 'missing_label' in str(e.value) and '1.JPEG' in str(e.value)
    assert 'missing_image' in str(e.value) and '2.yml' in str(e.value)
    assert len(build(root, bad_data='skip')) == 1


def test_broken_yaml_is_refused(tmp_path):
    root = make_split(
        str(tmp_path),
        {
            1: ('bboxes: [[1, 2\nlabels: {', rgb()),
            2: ('image_size: [40]\nbboxes: []\nlabels: []\n', rgb()),
        },
    )
    with pytest.raises(DatasetError) as e:
        build(root)
    assert 'bad_yaml' in str(e.value) and 'bad_image_size' in str(e.value)


def test_boxes_are_clipped_or_dropped_never_silently(tmp_path, capsys):
    doc = good(
        boxes=([-5, 2, 20, 40], [10, 10, 10, 20], [30, 5, 20, 9], [50, 50, 60, 60], [1, 1, 5, 5]),
        labels=('cat', 'dog', 'cat', 'dog', 'dog'),
    )
    root = make_split(str(tmp_path), {1: (doc, rgb())})
    ds = build(root)
    inst = ds.get_data_info(0)['instances']
    assert [i['bbox'] for i in inst] == [[0, 2, 20, 30], [1, 1, 5, 5]]
    assert [i['bbox_label'] for i in inst] == [0, 1]
    kinds = sorted(p.kind for p in ds.problems)
    assert kinds == ['box_clipped', 'degenerate_box', 'degenerate_box', 'degenerate_box']
    assert all('1.yml' in p.path for p in ds.problems)


def test_empty_label_list_is_background(tmp_path):
    root = make_split(str(tmp_path), {1: (good(boxes=(), labels=()), rgb()), 2: (good(), rgb())})
    ds = build(root)
    assert len(ds) == 2 and ds.get_data_info(0)['instances'] == []
    assert [p.kind for p in ds.problems] == ['no_objects']
    train = build(root, filter_cfg=dict(filter_empty_gt=True))
    assert len(train) == 1


def _encode(img, ext):
    ok, buf = cv2.imencode(ext, img)
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize('mode', ['L', 'RGBA', 'CMYK', 'P', 'I;16'])
def test_unusual_image_modes_are_converted(tmp_path, mode):
    base = np.zeros((12, 16, 3), np.uint8)
    base[..., 0], base[..., 1], base[..., 2] = 200, 100, 50  # RGB
    if mode == 'I;16':
        img = Image.fromarray(np.full((12, 16), 51400, np.uint16))
        path, expect = osp.join(tmp_path, 'x.png'), np.full((12, 16, 3), 200)
    else:
        img = Image.fromarray(base).convert(mode)
        ext = 'jpg' if mode == 'CMYK' else 'png'
        path = osp.join(tmp_path, f'x.{ext}')
        expect = np.asarray(img.convert('RGB'))[..., ::-1]
    img.save(path)
    out, notes = read_image(path)
    assert out.shape == (12, 16, 3) and out.dtype == np.uint8
    assert notes and mode.split(';')[0] in notes[0]
    assert np.abs(out.astype(int) - expect).max() <= 3


@pytest.mark.parametrize(
    'problem,content',
    [
        ('empty file', b''),
        ('truncated JPEG', 'truncated-jpeg'),
        ('truncated PNG', 'truncated-png'),
        ('cannot decode', b'this is not an image at all'),
    ],
)
def test_bad_images_name_the_file(tmp_path, problem, content):
    if content == 'truncated-jpeg':
        content = _encode(np.random.default_rng(0).integers(0, 255, (30, 40, 3), np.uint8), '.jpg')[
            :300
        ]
    elif content == 'truncated-png':
        content = _encode(rgb(), '.png')[:-20]
    path = osp.join(tmp_path, '5.JPEG')
    with open(path, 'wb') as f:
        f.write(content)
    skip, strict = LoadImageChecked(on_error='skip'), LoadImageChecked(on_error='raise')
    assert skip(dict(img_path=path)) is None
    with pytest.raises(RuntimeError, match=rf'5\.JPEG: .*{problem}'):
        strict(dict(img_path=path))


def test_wrong_extension_and_size_mismatch(tmp_path):
    path = osp.join(tmp_path, '3.JPEG')
    cv2.imwrite(osp.join(tmp_path, 'tmp.png'), rgb())
    shutil.move(osp.join(tmp_path, 'tmp.png'), path)
    img, notes = read_image(path)
    assert img.shape == (30, 40, 3) and 'PNG content with a .jpeg extension' in notes[0]
    out = LoadImageChecked()(dict(img_path=path, width=40, height=30))
    assert out['img'].shape == (30, 40, 3) and out['ori_shape'] == (30, 40)
    with pytest.raises(RuntimeError, match='40x30 but its label says image_size'):
        LoadImageChecked(on_error='raise')(dict(img_path=path, width=30, height=40))


def test_check_dataset_reports_everything_in_one_pass(tmp_path, capsys):
    gray = np.full((30, 40), 90, np.uint8)
    make_split(
        str(tmp_path),
        {
            1: (good(labels=('unicorn',)), rgb()),
            2: (good(), b''),
            3: (good(boxes=([0, 0, 99, 10],), labels=('dog',)), rgb()),
            4: (good(), gray),
            5: (good(w=50), rgb()),
            6: (None, rgb()),
            7: (good(), rgb()),
        },
    )
    data_root = str(tmp_path)
    rc = check_main(['--data-root', data_root, '--workers', '1', '--classes', *CLASSES])
    out = capsys.readouterr().out
    assert rc == 1
    for needle in (
        '1.yml: unknown class',
        '2.JPEG: empty file',
        '3.yml: box 0',
        '4.JPEG: L image converted to RGB',
        '5.JPEG: the image is 40x30 but its label says image_size [50, 30]',
        '6.JPEG: no label file',
    ):
        assert needle in out, needle
    assert '7.' not in out.replace('training', '')


def test_unlabeled_dataset_indexes_in_id_order(tmp_path):
    d = tmp_path / 'unlabeled'
    d.mkdir()
    for name in ['10.PNG', '2.PNG', '1.png', 'notes.txt', '33.JPEG']:
        (d / name).write_bytes(b'')
    ds = UnlabeledImageDataset(
        data_root=str(tmp_path), data_prefix='unlabeled', split='train', with_label=False
    )
    assert len(ds) == 4
    assert [osp.basename(ds.get_data_info(i)['img_path']) for i in range(4)] == [
        '1.png',
        '2.PNG',
        '10.PNG',
        '33.JPEG',
    ]
    assert (
        len(UnlabeledImageDataset(data_root=str(tmp_path), data_prefix='unlabeled', max_images=2))
        == 2
    )

    def names(**kw):
        ds = UnlabeledImageDataset(data_root=str(tmp_path), data_prefix='unlabeled', **kw)
        return [osp.basename(ds.get_data_info(i)['img_path']) for i in range(len(ds))]

    # mmengine's indices: an int takes the first (negative: the last) N, a list those
    assert names(indices=2) == ['1.png', '2.PNG']
    assert names(indices=-1) == ['33.JPEG']
    assert names(indices=[3, 0]) == ['33.JPEG', '1.png']
    with pytest.raises(FileNotFoundError, match='data_root'):
        UnlabeledImageDataset(data_root=str(tmp_path / 'nope'), data_prefix='unlabeled')


def test_unlabeled_dataset_large_folder(tmp_path):
    """1,000 files index in id order, a few bytes each (speed at 512K files is measured by
    benchmarks/bench_index.py)."""
    d = tmp_path / 'unlabeled'
    d.mkdir()
    for i in range(1000):
        (d / f'{i}.PNG').touch()
    ds = UnlabeledImageDataset(data_root=str(tmp_path), data_prefix='unlabeled')
    assert len(ds) == 1000 and ds.names.nbytes <= 1000 * len('999.PNG')
    assert ds.get_data_info(345)['img_path'].endswith('/345.PNG')


def test_unlabeled_dataset_pipeline_loads_images(demo_root):
    ds = UnlabeledImageDataset(
        data_root=demo_root, data_prefix='unlabeled', pipeline=[dict(type='LoadImageChecked')]
    )
    assert len(ds) == 6
    assert ds[0]['img'].ndim == 3


def test_missing_data_root_names_the_key(tmp_path):
    with pytest.raises(FileNotFoundError, match='data_root'):
        build(str(tmp_path / 'nowhere'))


def test_image_files_sharing_an_id_are_named(tmp_path):
    """1.JPEG, 1.jpeg and 001.JPEG name one image: the first in sorted order is used, each other
    named as a fatal duplicate_id with the whole group (the dataset refuses, or skips it)."""
    from custom_modules.datasets.nyu_labeled import index_split

    img, lab = tmp_path / 'images', tmp_path / 'labels'
    img.mkdir()
    lab.mkdir()
    for name in ('1.JPEG', '1.jpeg', '001.JPEG', '2.JPEG'):
        Image.new('RGB', (10, 10)).save(img / name, 'JPEG')
    for stem in ('1', '001', '2'):
        label = good(w=10, h=10, boxes=([1, 1, 5, 5],), labels=(CLASSES[0],))
        (lab / f'{stem}.yml').write_text(yaml.safe_dump(label))
    data_list, problems = index_split(str(img), str(lab), CLASSES)
    assert [osp.basename(d['img_path']) for d in data_list] == ['001.JPEG', '2.JPEG']
    assert sorted(osp.basename(p.path) for p in problems) == ['1.JPEG', '1.jpeg']
    assert all(p.kind == 'duplicate_id' and p.fatal and '001.JPEG, 1.JPEG, 1.jpeg' in p.message
               for p in problems)  # fmt: skip
