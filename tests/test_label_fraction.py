"""LabelFractionDataset: a class-stratified, seeded fraction of any detection dataset, the same
images as the fraction that lived inside NYUDetDataset before it."""

import hashlib
import json
import os.path as osp

import numpy as np
import pytest
from conftest import ROOT
from mmdet.datasets import BaseDetDataset
from mmdet.registry import DATASETS

from custom_modules.datasets import DEMO_CLASSES, LabelFractionDataset, NYUDetDataset, label_subset


@DATASETS.register_module(force=True)
class _ListDetDataset(BaseDetDataset):
    """A detection dataset held in memory: ``images`` is a list of label tuples, one per image;
    ``bad`` lists positions whose sample fails to load."""

    METAINFO = dict(classes=('cat', 'dog'))

    def __init__(self, images=(), bad=(), **kwargs):
        self.images, self.bad = list(images), set(bad)
        super().__init__(**kwargs)

    def load_data_list(self):
        box = [0, 0, 8, 8]
        return [dict(img_path=f'{i + 1}.png', img_id=i + 1, width=32, height=32,
                     instances=[dict(bbox=box, bbox_label=c, ignore_flag=0) for c in labels])
                for i, labels in enumerate(self.images)]  # fmt: skip

    def prepare_data(self, idx):
        info = self.get_data_info(idx)
        return None if info['img_id'] - 1 in self.bad else info


def forty():
    """40 images: class 'cat' (0) in 30 of them, 'dog' (1, the rarer) in 10, 4 with both."""
    return [(0, 1) if i <= 4 else (1,) if i <= 10 else (0,) for i in range(1, 41)]


def wrap(images=None, **kw):
    inner = dict(type='_ListDetDataset', images=forty() if images is None else images,
                 pipeline=[], test_mode=kw.pop('test_mode', False),
                 bad=kw.pop('bad', ()))  # fmt: skip
    return LabelFractionDataset(inner, **kw)


def ids(ds):
    return [ds.get_data_info(i)['img_id'] for i in range(len(ds))]


def test_fraction_is_stratified_seeded_and_repeated():
    assert len(wrap()) == 40
    chosen = ids(wrap(fraction=0.25, seed=3, repeat_to_full=False))
    # rarest-class groups: 10 dog images (4 with cats too) and 30 cat images -> 2 + 8 images
    assert len(chosen) == 10 and chosen == sorted(chosen)
    assert sum(i <= 10 for i in chosen) == round(0.25 * 10)
    # the same seed gives the same subset (for every initialisation), another seed another
    assert ids(wrap(fraction=0.25, seed=3, repeat_to_full=False)) == chosen
    assert ids(wrap(fraction=0.25, seed=4, repeat_to_full=False)) != chosen
    # by default an epoch keeps the full length: each image 4 times
    rep = ids(wrap(fraction=0.25, seed=3))
    assert len(rep) == 40 and sorted(set(rep)) == chosen and all(rep.count(i) == 4 for i in chosen)
    # a fraction that does not divide the dataset: whole repeats plus a seeded remainder
    odd = ids(wrap(fraction=0.3, seed=3))  # 3 + 9 = 12 images
    assert len(odd) == 40 and sorted(odd.count(i) for i in set(odd)) == [3] * 8 + [4] * 4
    # a tiny fraction keeps at least one image of every group; test mode keeps everything
    tiny = ids(wrap(fraction=0.01, repeat_to_full=False))
    assert len(tiny) == 2 and any(i <= 10 for i in tiny)
    assert len(wrap(fraction=0.25, test_mode=True)) == 40
    with pytest.raises(ValueError, match='fraction'):
        wrap(fraction=0)
    # images without objects are one more group
    assert label_subset([(), (), (0,), (0,)], 0.5, 0) in ([0, 2], [0, 3], [1, 2], [1, 3])


def test_a_failed_sample_is_replaced_from_the_subset_only():
    np.random.seed(0)
    ds = wrap(fraction=0.25, seed=3, repeat_to_full=False, bad=range(0, 40, 2))
    chosen = set(ids(ds))
    got = [ds[i]['img_id'] for i in range(len(ds)) for _ in range(5)]
    assert set(got) <= chosen and all(i % 2 == 0 for i in got)  # img_id = position + 1


def test_wrapper_speaks_for_its_dataset():
    """What mmdet's samplers and our hooks ask a dataset: metainfo, get_data_info (the aspect
    ratio batch sampler's width/height), get_cat_ids, inside a ConcatDataset too."""
    from mmengine.dataset import ConcatDataset

    ds = wrap(fraction=0.25, seed=3)
    assert ds.metainfo['classes'] == ('cat', 'dog')
    assert ds.get_data_info(0)['width'] == 32 and ds.get_cat_ids(0) in ([0], [1], [0, 1])
    both = ConcatDataset([ds, wrap()])
    assert len(both) == 80 and both.get_data_info(0) == ds.get_data_info(0)


# The sha256 (first 16 hex digits) of the json list of img_ids of one epoch, as NYUDetDataset's
# own label_fraction chose them on the demo's training split before LabelFractionDataset
# replaced it (commit fab10fc): the wrapper must keep every published label-fraction run's
# images. The split's labels are tests/fixtures/demo_training_labels.json (the demo data takes
# minutes to make; the last test checks the file against it where it has been made).
PINNED = {(0.1, 0): (59, '324c57678a514bbe'), (0.1, 1): (59, '72bca0610643c17e'),
          (0.25, 0): (149, '0650bdff4ac78c6a'), (0.25, 1): (149, '2bd036e158beb349')}  # fmt: skip
DEMO_LABELS = osp.join(ROOT, 'tests', 'fixtures', 'demo_training_labels.json')


@pytest.mark.parametrize('fraction,seed', sorted(PINNED))
def test_demo_subsets_are_those_of_before(fraction, seed):
    with open(DEMO_LABELS) as f:
        demo = json.load(f)
    assert demo['img_ids'] == list(range(1, 601))
    got = ids(wrap(demo['labels'], fraction=fraction, seed=seed))
    digest = hashlib.sha256(json.dumps(got).encode()).hexdigest()[:16]
    assert (len(got), len(set(got)), digest) == (600, *PINNED[fraction, seed])


DEMO = osp.join(ROOT, 'data', 'demo')


@pytest.mark.skipif(not osp.isdir(DEMO), reason='no data/demo (python tools/make_demo_data.py)')
def test_demo_labels_file_is_the_demo_data():
    ds = NYUDetDataset(data_root=DEMO, metainfo=dict(classes=DEMO_CLASSES), pipeline=[],
                       filter_cfg=dict(filter_empty_gt=True, min_size=0))  # fmt: skip
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    with open(DEMO_LABELS) as f:
        demo = json.load(f)
    assert [d['img_id'] for d in infos] == demo['img_ids']
    assert [[i['bbox_label'] for i in d['instances']] for d in infos] == demo['labels']
