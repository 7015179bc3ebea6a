"""tools/dataset_converters/nyu2coco.py writes COCO json that pycocotools reads back."""

import json
import os.path as osp

from pycocotools.coco import COCO

from custom_modules.datasets import DEMO_CLASSES, NYU_CLASSES, NYUDetDataset
from tools.dataset_converters.nyu2coco import main as nyu2coco


def test_round_trip(demo_root, tmp_path):
    out = str(tmp_path / 'train.json')
    nyu2coco([osp.join(demo_root, 'labeled', 'training'), out, '--demo'])
    coco = COCO(out)
    assert [c['id'] for c in coco.dataset['categories']] == list(range(1, 11))
    assert [c['name'] for c in coco.dataset['categories']] == list(DEMO_CLASSES)
    ds = NYUDetDataset(data_root=demo_root, metainfo=dict(classes=DEMO_CLASSES), pipeline=[])
    assert sorted(coco.getImgIds()) == sorted(ds.get_data_info(i)['img_id'] for i in range(len(ds)))
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        img = coco.loadImgs(info['img_id'])[0]
        assert img['file_name'] == osp.basename(info['img_path'])
        assert (img['width'], img['height']) == (info['width'], info['height'])
        anns = coco.loadAnns(coco.getAnnIds(imgIds=info['img_id']))
        back = [
            (
                [
                    a['bbox'][0],
                    a['bbox'][1],
                    a['bbox'][0] + a['bbox'][2],
                    a['bbox'][1] + a['bbox'][3],
                ],
                a['category_id'] - 1,
            )
            for a in anns
        ]
        assert back == [(inst['bbox'], inst['bbox_label']) for inst in info['instances']]


def test_nyu_category_ids(tmp_path):
    split = tmp_path / 'validation'
    (split / 'images').mkdir(parents=True)
    (split / 'labels').mkdir()
    import cv2
    import numpy as np

    cv2.imwrite(str(split / 'images' / '42.JPEG'), np.zeros((20, 30, 3), np.uint8))
    (split / 'labels' / '42.yml').write_text(
        'image_size: [30, 20]\nbboxes: [[1, 2, 11, 12]]\nlabels: [starfish]\n'
    )
    out = str(tmp_path / 'v.json')
    nyu2coco([str(split), out])
    doc = json.load(open(out))
    assert len(doc['categories']) == 100 and doc['categories'][0] == dict(id=1, name=NYU_CLASSES[0])
    assert doc['images'] == [dict(id=42, file_name='42.JPEG', width=30, height=20)]
    assert doc['annotations'][0]['category_id'] == 100
    assert doc['annotations'][0]['bbox'] == [1, 2, 10, 10]


def test_mmdet_coco_dataset_reads_the_json(demo_root, tmp_path):
    from mmdet.datasets import CocoDataset

    split = osp.join(demo_root, 'labeled', 'validation')
    out = str(tmp_path / 'val.json')
    nyu2coco([split, out, '--demo'])
    coco = CocoDataset(
        ann_file=out, data_prefix=dict(img=osp.join(split, 'images') + '/'),
        metainfo=dict(classes=DEMO_CLASSES), pipeline=[], test_mode=True,
    )  # fmt: skip
    nyu = NYUDetDataset(
        data_root=demo_root, metainfo=dict(classes=DEMO_CLASSES), pipeline=[],
        data_prefix=dict(img='labeled/validation/images', ann='labeled/validation/labels'),
    )  # fmt: skip
    assert len(coco) == len(nyu)
    by_id = {nyu.get_data_info(i)['img_id']: nyu.get_data_info(i) for i in range(len(nyu))}
    for i in range(len(coco)):
        c = coco.get_data_info(i)
        n = by_id[c['img_id']]
        assert c['img_path'] == n['img_path']
        assert [(x['bbox'], x['bbox_label']) for x in c['instances']] == [
            (x['bbox'], x['bbox_label']) for x in n['instances']
        ]


def test_yolo_txt_to_coco(tmp_path, capsys):
    """YOLO's normalised centre boxes become COCO pixel boxes; a malformed line is named by
    file and line and left out, and the tool says so by its exit status."""
    import json

    from PIL import Image

    from tools.dataset_converters.yolo2coco import main as yolo2coco

    (tmp_path / 'images' / 'sub').mkdir(parents=True)
    (tmp_path / 'labels' / 'sub').mkdir(parents=True)
    Image.new('RGB', (200, 100)).save(tmp_path / 'images' / 'sub' / 'a.jpg')
    Image.new('RGB', (50, 50)).save(tmp_path / 'images' / 'b.PNG')  # no label: no objects
    (tmp_path / 'labels' / 'sub' / 'a.txt').write_text('1 0.5 0.5 0.2 0.4\n0 0.1 0.1 nan 0.1\n'
                                                       '7 0.5 0.5 0.1 0.1\nbad line\n')  # fmt: skip
    (tmp_path / 'classes.txt').write_text('cat\ndomestic dog\n')
    out = tmp_path / 'out.json'
    rc = yolo2coco([str(tmp_path / 'images'), str(tmp_path / 'labels'),
                    str(tmp_path / 'classes.txt'), str(out)])  # fmt: skip
    assert rc == 1
    coco = json.loads(out.read_text())
    assert [i['file_name'] for i in coco['images']] == ['b.PNG', 'sub/a.jpg']
    (ann,) = coco['annotations']
    assert ann['image_id'] == 2 and ann['category_id'] == 2
    assert ann['bbox'] == [80.0, 30.0, 40.0, 40.0]
    assert [c['name'] for c in coco['categories']] == ['cat', 'domestic dog']
    said = capsys.readouterr().out
    for line in (2, 3, 4):
        assert f'a.txt:{line}: ' in said
