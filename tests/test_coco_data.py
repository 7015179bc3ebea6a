"""A COCO json and a folder of photos: CheckedCocoDataset reads the demo split as NYUDetDataset
does, names every planted fault by the json and its annotation or image id (tools/check_dataset.py
too), evaluates with mmdet's COCO metrics, and a tiny detector trains on the faulty json."""

import json
import math
import os.path as osp
import shutil

import pytest
import torch
from conftest import ROOT, run_tool, tiny_config
from mmengine.structures import InstanceData

from custom_modules.datasets import (
    DEMO_CLASSES,
    CheckedCocoDataset,
    DatasetError,
    NYUDetDataset,
    read_coco,
)
from tools.check_dataset import main as check_main
from tools.dataset_converters.nyu2coco import main as nyu2coco

ENV = dict(PYTHONPATH=osp.join(ROOT, 'tests'))
# annotation id -> (kind, fatal) of each planted fault; image faults are keyed by file or id
FAULTS = {
    1: ('box_clipped', False),
    2: ('degenerate_box', False),  # zero width
    3: ('degenerate_box', False),  # negative height
    4: ('bad_box', False),  # NaN
    5: ('bad_box', False),  # inf
    6: ('orphan_annotation', False),
    7: ('unknown_category', True),
}


@pytest.fixture(scope='module')
def coco(demo_root, tmp_path_factory):
    """The demo training split as COCO json (nyu2coco --demo), with its photos copied beside
    it: ``(folder, json path, the json's dict)``."""
    out = tmp_path_factory.mktemp('coco')
    photos = str(out / 'photos')
    shutil.copytree(osp.join(demo_root, 'labeled', 'training', 'images'), photos)
    ann = osp.join(photos, 'train.json')
    nyu2coco([osp.join(demo_root, 'labeled', 'training'), ann, '--demo'])
    return photos, ann, json.load(open(ann))


@pytest.fixture(scope='module')
def faulty(coco):
    """The same json with one of each fault planted: the annotations of FAULTS (renumbered
    from 1), an image sharing another's id, an image whose file is missing, an image whose
    width is wrong. Returns (json path, the doc, {what: where it is named})."""
    photos, _, doc = coco
    doc = json.loads(json.dumps(doc))
    images = doc['images']
    for k, ann in enumerate(doc['annotations']):
        ann['id'] = k + 1
    anns = {a['id']: a for a in doc['annotations']}
    img_of = {im['id']: im for im in images}
    w = img_of[anns[1]['image_id']]['width']
    anns[1]['bbox'][2] = w  # reaches past the right edge
    anns[2]['bbox'][2] = 0
    anns[3]['bbox'][3] = -5
    anns[4]['bbox'][0] = math.nan
    anns[5]['bbox'][3] = math.inf
    anns[6]['image_id'] = 999
    anns[7]['category_id'] = 77
    # images 1-3 hold annotations 1-7 (the demo data's first images hold 1-4 boxes): the
    # image faults go on the last three images
    shared, missing, resized = images[-3], images[-2], images[-1]
    for a in doc['annotations']:  # the shared image keeps its boxes
        a['image_id'] = images[-4]['id'] if a['image_id'] == shared['id'] else a['image_id']
    shared['id'] = images[-4]['id']
    missing['file_name'] = 'gone.JPEG'
    resized['width'] += 7
    path = osp.join(photos, 'faulty.json')
    with open(path, 'w') as f:
        json.dump(doc, f)
    where = {
        'unknown_category_image': img_of[anns[7]['image_id']]['file_name'],
        'shared_id': f'{path}#image {shared["id"]}',
        'missing': osp.join(photos, 'gone.JPEG'),
        'resized': osp.join(photos, resized['file_name']),
    }
    return path, doc, where


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


@pytest.mark.parametrize('filter_cfg', [None, dict(filter_empty_gt=True, min_size=110)])
def test_same_data_list_as_nyu(demo_root, coco, filter_cfg):
    photos, ann, _ = coco
    nyu = NYUDetDataset(
        data_root=demo_root, metainfo=dict(classes=DEMO_CLASSES), filter_cfg=filter_cfg
    )
    ours = CheckedCocoDataset(ann_file=ann, filter_cfg=filter_cfg)  # photos beside the json
    theirs = [dict(d, img_path=osp.basename(d['img_path'])) for d in infos(nyu)]
    mine = [dict(d, img_path=osp.basename(d['img_path'])) for d in infos(ours)]
    assert mine == theirs and len(mine) > 0
    assert ours.metainfo['classes'] == DEMO_CLASSES and ours.problems == []
    assert osp.dirname(ours.get_data_info(0)['img_path']) == photos


def test_classes_by_name(coco):
    photos, ann, doc = coco
    classes = ('bird', 'dog')  # a subset, in another order: matched by name
    data_list, problems, got = read_coco(ann, photos, classes)
    full, _, _ = read_coco(ann, photos)
    assert got == classes
    for mine, every in zip(data_list, full):
        names = [DEMO_CLASSES[i['bbox_label']] for i in every['instances']]
        want = [dict(i, bbox_label=classes.index(name))
                for i, name in zip(every['instances'], names) if name in classes]  # fmt: skip
        assert mine['instances'] == want
    # CocoMetric(ann_file=...) would read the labels in the json's category order: a warning
    assert [p.kind for p in problems] == ['category_order']


def test_faults_named_by_file_and_id(faulty, capsys):
    path, doc, where = faulty
    with pytest.raises(DatasetError) as err:
        CheckedCocoDataset(ann_file=path)
    for needle in (f'{path}#annotation 7', where['shared_id'], where['missing']):
        assert needle in str(err.value), needle

    rc = check_main([path, '--workers', '1'])
    out = capsys.readouterr().out
    assert rc == 1
    unusable, repaired = out.split('repaired or converted on load:')
    for ann_id, (kind, fatal) in FAULTS.items():
        assert f'{path}#annotation {ann_id}: ' in (unusable if fatal else repaired), ann_id
    assert where['unknown_category_image'] in unusable
    assert unusable.count(f'{where["shared_id"]}: ') == 2  # each image of the shared id
    assert f'{where["missing"]}: no such file' in unusable
    assert f'{where["resized"]}: the image is ' in unusable  # its size disagrees with the file
    assert '5 problem(s) to fix before training' in out  # category, 2 shared, missing, size


def test_skip_builds_counts_and_leaves_out(faulty):
    path, doc, _ = faulty
    ds = CheckedCocoDataset(ann_file=path, bad_data='skip')
    kinds = sorted(p.kind for p in ds.problems)
    assert kinds == sorted(
        ['box_clipped', 'degenerate_box', 'degenerate_box', 'bad_box', 'bad_box',
         'orphan_annotation', 'unknown_category', 'duplicate_image_id', 'duplicate_image_id',
         'missing_image']
    )  # fmt: skip
    assert len(ds) == len(doc['images']) - 4  # unknown category, two shared ids, missing
    for d in infos(ds):
        for inst in d['instances']:
            x1, y1, x2, y2 = inst['bbox']
            assert 0 <= x1 < x2 <= d['width'] and 0 <= y1 < y2 <= d['height']
            assert all(math.isfinite(v) for v in inst['bbox'])


@pytest.mark.parametrize(
    'content, needle',
    [
        (b'', 'empty file'),
        (b'\xff\xfe{\x00}\x00', 'not UTF-8'),
        (b'{"images": [', 'not JSON'),
        (b'{"images": [], "annotations": []}', 'not a COCO instances json'),
        (b'[1, 2]', 'not a COCO instances json'),
    ],
)
def test_whole_file_problems(tmp_path, capsys, content, needle):
    path = str(tmp_path / 'bad.json')
    open(path, 'wb').write(content)
    with pytest.raises(DatasetError, match=needle) as err:
        CheckedCocoDataset(ann_file=path, bad_data='skip')
    assert path in str(err.value)
    assert check_main([path]) == 1
    out = capsys.readouterr().out
    assert needle in out and path in out


def test_coco_metrics_from_the_dataset_and_from_the_json(coco):
    """Predictions equal to the ground truth score 1 with CocoMetric and FastCocoMetric built
    with ann_file=None (the dataset's own instances) and with CocoMetric on the json."""
    from mmdet.evaluation import CocoMetric

    from custom_modules.evaluation import FastCocoMetric

    photos, ann, _ = coco
    pipeline = [
        dict(type='LoadImageChecked', on_error='raise'),
        dict(type='mmdet.LoadAnnotations', with_bbox=True),
        dict(type='mmdet.PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                              'scale_factor', 'instances')),
    ]  # fmt: skip
    ds = CheckedCocoDataset(ann_file=ann, pipeline=pipeline, test_mode=True)
    samples = []
    for i in range(len(ds)):
        sample = ds[i]['data_samples']
        gt = sample.gt_instances
        sample.pred_instances = InstanceData(
            bboxes=gt.bboxes.tensor, labels=gt.labels, scores=torch.ones(len(gt.labels))
        )
        samples.append(sample.to_dict())
    with_info = osp.join(osp.dirname(photos), 'with_info.json')  # pycocotools' loadRes needs it
    json.dump(dict(json.load(open(ann)), info={}), open(with_info, 'w'))
    for metric in (CocoMetric(ann_file=None), FastCocoMetric(), CocoMetric(ann_file=with_info)):
        metric.dataset_meta = ds.metainfo
        metric.process({}, samples)
        assert metric.evaluate(len(samples))['coco/bbox_mAP'] == 1.0, type(metric).__name__


def test_a_tiny_training_on_the_faulty_json(faulty, tmp_path):
    path, doc, where = faulty
    dataset = dict(type='CheckedCocoDataset', ann_file=path, bad_data='skip',
                   filter_cfg=dict(filter_empty_gt=True), _delete_=True)  # fmt: skip
    extra = (f'train_dataloader["dataset"] = dict(pipeline=train_pipeline, **{dataset!r})\n'
             'train_cfg = dict(max_epochs=1)')  # fmt: skip
    cfg = tiny_config(str(tmp_path), 'det', '', extra=extra, epochs=1)
    proc = run_tool('tools/train.py', cfg, '--work-dir', str(tmp_path / 'w'), env=ENV)
    out = proc.stdout + proc.stderr
    n = len(
        CheckedCocoDataset(ann_file=path, bad_data='skip', filter_cfg=dict(filter_empty_gt=True))
    )
    iters = (n + 1) // 2  # batches of 2
    assert n >= 2 and f'Epoch(train) [1][{iters}/{iters}]' in out
    assert f'{path}#annotation 7' in out and f'{path}#annotation 1' in out  # named in the log


def test_check_dataset_reads_a_configs_coco_datasets(coco, faulty, tmp_path, capsys):
    """A config whose train dataset is a CheckedCocoDataset (the faulty json) and whose val
    dataset is mmdet's CocoDataset (the clean one): each checked, the faults named."""
    photos, ann, _ = coco
    path, _, where = faulty
    cfg = tmp_path / 'coco_config.py'
    cfg.write_text(f"""
_base_ = {osp.join(ROOT, 'tests', 'configs', 'faster-rcnn_tiny_nyu-demo.py')!r}
train_dataloader = dict(dataset=dict(_delete_=True, type='CheckedCocoDataset', ann_file={path!r}))
val_dataloader = dict(dataset=dict(_delete_=True, type='CocoDataset', ann_file={ann!r},
                                   data_prefix=dict(img={photos!r}), metainfo={{'classes':
                                   {DEMO_CLASSES!r}}}, test_mode=True))
test_dataloader = val_dataloader
""")
    assert check_main([str(cfg), '--workers', '1']) == 1
    out = capsys.readouterr().out
    assert f'{path}: 8 labelled images' not in out and f'{path}#annotation 7' in out
    assert f'{where["resized"]}: the image is ' in out
    assert f'{ann}: 8 labelled images, ' in out and out.count(f'{ann}:') == 1  # val = test
