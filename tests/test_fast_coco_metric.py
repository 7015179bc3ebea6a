"""FastCocoMetric gives mmdet CocoMetric's numbers (the 12 COCO statistics to 1e-6)."""

import json
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import ROOT

from custom_modules.evaluation import FastCocoMetric
from tools.lib.coco_samples import make_samples

META = dict(classes=tuple(f'c{i}' for i in range(7)))


@pytest.fixture(scope='module')
def samples():
    return make_samples(50, n_classes=7, seed=3)


def evaluate(metric, samples):
    metric.dataset_meta = META
    for i in range(0, len(samples), 4):
        metric.process({}, samples[i : i + 4])
    return metric.evaluate(len(samples))


def stock(samples, monkeypatch, **kw):
    """mmdet's CocoMetric; returns (metrics, its COCOeval's unrounded stats)."""
    import mmdet.evaluation.metrics.coco_metric as cm

    seen = {}

    class Recording(cm.COCOeval):
        def summarize(self):
            super().summarize()
            seen['stats'] = np.asarray(self.stats, dtype=np.float64)

    monkeypatch.setattr(cm, 'COCOeval', Recording)
    return evaluate(cm.CocoMetric(**kw), samples), seen['stats']


@pytest.mark.parametrize('backend', ['faster_coco_eval', 'pycocotools'])
@pytest.mark.parametrize('metric', ['bbox', 'proposal'])
def test_same_numbers_as_mmdet(samples, monkeypatch, backend, metric):
    ref, ref_stats = stock(samples, monkeypatch, metric=metric)
    ours = FastCocoMetric(metric=metric, backend=backend)
    out = evaluate(ours, samples)
    assert out == ref
    assert ours.last_stats[metric].shape == (12,)
    np.testing.assert_allclose(ours.last_stats[metric], ref_stats[:12], rtol=0, atol=1e-6)
    assert 0 < ref_stats[0] < 1  # a non-trivial score


def test_classwise_and_outfiles(samples, monkeypatch, tmp_path):
    ref, _ = stock(samples, monkeypatch, classwise=True)
    prefix = str(tmp_path / 'sub' / 'preds')
    ours = FastCocoMetric(classwise=True, outfile_prefix=prefix)
    out = evaluate(ours, samples)
    assert out == ref and 'coco/c3_precision' in out
    # the files re-score to the same numbers with plain pycocotools
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = COCO(prefix + '.gt.json')
    preds = json.load(open(prefix + '.bbox.json'))
    assert set(preds[0]) == {'image_id', 'bbox', 'score', 'category_id'}
    assert len(preds) == sum(len(s['pred_instances']['labels']) for s in samples)
    ev = COCOeval(gt, gt.loadRes(prefix + '.bbox.json'), 'bbox')
    ev.params.maxDets = [100, 300, 1000]
    ev.evaluate(), ev.accumulate(), ev.summarize()
    np.testing.assert_allclose(ev.stats[:12], ours.last_stats['bbox'], rtol=0, atol=1e-12)


def test_format_only_and_empty_results(samples, tmp_path):
    prefix = str(tmp_path / 'fmt')
    assert evaluate(FastCocoMetric(format_only=True, outfile_prefix=prefix), samples) == {}
    assert json.load(open(prefix + '.bbox.json'))
    empty = [dict(s, pred_instances=dict(bboxes=torch.zeros(0, 4), scores=torch.zeros(0),
                                          labels=torch.zeros(0, dtype=torch.long)))
             for s in samples[:3]]  # fmt: skip
    assert evaluate(FastCocoMetric(), empty) == {}


def test_refuses_what_it_does_not_do():
    with pytest.raises(ValueError, match='backend'):
        FastCocoMetric(backend='cocoapi')
    with pytest.raises(KeyError, match='segm'):
        FastCocoMetric(metric='segm')


def test_is_the_detectors_evaluator():
    from mmengine.config import Config

    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py')
    )
    assert cfg.val_evaluator.type == cfg.test_evaluator.type == 'FastCocoMetric'
