"""The packed unlabeled images (tools/pack_unlabeled.py, PackedUnlabeledImageDataset): the PNGs'
pixels bit for bit, --max-side, a stale pack refused with the command that re-packs, two
dataloader workers reading the memory map, and the config switch."""

import os
import os.path as osp
import pickle

import cv2
import numpy as np
import pytest
import torch
from conftest import ROOT
from mmengine.config import Config
from mmengine.dataset import Compose
from PIL import Image

from custom_modules.datasets import (
    PackedUnlabeledImageDataset,
    PackError,
    UnlabeledImageDataset,
    list_images,
    write_pack,
)
from custom_modules.datasets.packed import index_path

BASE = osp.join(ROOT, 'configs', '_base_', 'datasets', 'nyu_unlabeled_2view.py')


@pytest.fixture
def root(tmp_path):
    """An unlabeled folder of six images: RGB PNGs, a grayscale PNG, an RGBA PNG, a JPEG and
    an empty (bad) file; ids 1-5 and 10."""
    d = tmp_path / 'unlabeled'
    d.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (30, 40, 3), np.uint8)).save(d / '1.PNG')
    Image.fromarray(rng.integers(0, 256, (50, 20, 3), np.uint8)).save(d / '2.PNG')
    Image.fromarray(rng.integers(0, 256, (24, 24), np.uint8)).save(d / '3.PNG')
    Image.fromarray(rng.integers(0, 256, (16, 28, 4), np.uint8)).save(d / '10.PNG')
    Image.fromarray(rng.integers(0, 256, (32, 32, 3), np.uint8)).save(d / '4.JPEG')
    (d / '5.PNG').write_bytes(b'')
    (d / 'notes.txt').write_text('not an image')
    return str(tmp_path)


def decoded(root, decoder):
    """Each image's LoadImageChecked results (None for the bad one), in the dataset's order."""
    ds = UnlabeledImageDataset(data_root=root, data_prefix='unlabeled')
    load = Compose([dict(type='LoadImageChecked', png_decoder=decoder)])
    return [load(ds.get_data_info(i)) for i in range(len(ds))]


def test_pack_is_the_decoded_pixels(root, capsys):
    from tools.pack_unlabeled import main

    assert main([osp.join(root, 'unlabeled'), '--workers', '2']) == 0
    out = capsys.readouterr().out
    assert f'packed 6 images of {root}/unlabeled (full size) into {root}/unlabeled.packed' in out
    assert '2 images converted' in out and '1 images did not decode' in out and '5.PNG' in out
    ds = PackedUnlabeledImageDataset(data_root=root, data_prefix='unlabeled')
    assert len(ds) == 6
    for spng, pillow, i in zip(decoded(root, 'spng'), decoded(root, 'pillow'), range(6)):
        got = ds.prepare_data(i)
        if pillow is None:  # 5.PNG: skipped, as LoadImageChecked(on_error='skip') skips it
            assert (
                got is None and spng is None and ds.get_data_info(i)['img_path'].endswith('5.PNG')
            )
            continue
        for ref in (spng, pillow):
            assert got['img'].dtype == np.uint8 and np.array_equal(got['img'], ref['img'])
            assert got['img_path'] == ref['img_path']
            assert got['img_shape'] == ref['img_shape'] and got['ori_shape'] == ref['ori_shape']
        got['img'][0, 0] = 0  # a writable copy, not the read-only map
    # what a spawned worker receives: the index, not the map (nor the pixels)
    assert ds.images._pixels is not None and pickle.loads(pickle.dumps(ds)).images._pixels is None
    assert len(pickle.dumps(ds)) < 4096


def test_max_side_shrinks_the_longer_side(root):
    img_dir = osp.join(root, 'unlabeled')
    pack = osp.join(root, 'small.packed')
    report = write_pack(img_dir, list_images(img_dir), pack, max_side=32, workers=1)
    assert report['pixel_bytes'] == (24 * 32 + 32 * 13 + 24 * 24 + 32 * 32 + 16 * 28) * 3
    ds = PackedUnlabeledImageDataset(data_root=root, data_prefix='unlabeled', pack='small.packed')
    full = decoded(root, 'spng')
    for i, ref in enumerate(full):
        if ref is None:
            continue
        h, w = ref['img'].shape[:2]
        want = ref['img'] if max(h, w) <= 32 else None
        if want is None:
            size = (round(w * 32 / max(h, w)), round(h * 32 / max(h, w)))
            want = cv2.resize(ref['img'], size, interpolation=cv2.INTER_AREA)
        got = ds.prepare_data(i)
        assert np.array_equal(got['img'], want) and got['img_shape'] == want.shape[:2]
    # a stale small pack names its own re-pack command
    os.remove(osp.join(img_dir, '3.PNG'))
    with pytest.raises(PackError, match=f'--out {root}/small.packed --max-side 32'):
        PackedUnlabeledImageDataset(data_root=root, data_prefix='unlabeled', pack='small.packed')


def test_a_stale_pack_is_refused(root):
    img_dir = osp.join(root, 'unlabeled')
    pack = osp.join(root, 'unlabeled.packed')
    repack = f're-pack with: python tools/pack_unlabeled.py {img_dir}$'
    with pytest.raises(PackError, match=f'no packed images at {pack}.*pack_unlabeled.py {img_dir}'):
        PackedUnlabeledImageDataset(data_root=root, data_prefix='unlabeled')
    write_pack(img_dir, list_images(img_dir), pack, workers=1)
    PackedUnlabeledImageDataset(data_root=root, data_prefix='unlabeled', indices=[3, 0])  # fresh
    Image.new('RGB', (8, 8)).save(osp.join(img_dir, '11.PNG'))
    with pytest.raises(
        PackError, match=f'stale: 1 image added \\(11.PNG\\) in {img_dir}.*{repack}'
    ):
        PackedUnlabeledImageDataset(data_root=root, data_prefix='unlabeled')
    os.remove(osp.join(img_dir, '11.PNG'))
    os.remove(osp.join(img_dir, '2.PNG'))
    os.remove(osp.join(img_dir, '3.PNG'))
    with pytest.raises(PackError, match='stale: 2 images removed \\(2.PNG, 3.PNG\\)'):
        PackedUnlabeledImageDataset(data_root=root, data_prefix='unlabeled')
    write_pack(img_dir, list_images(img_dir), pack, workers=1)
    path = osp.join(img_dir, '1.PNG')
    st = os.stat(path)
    Image.new('RGB', (40, 30)).save(path)  # same name, new pixels
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1000))
    with pytest.raises(PackError, match=f'stale: 1 image changed \\(1.PNG\\).*{repack}'):
        PackedUnlabeledImageDataset(data_root=root, data_prefix='unlabeled')
    write_pack(img_dir, list_images(img_dir), pack, workers=1)
    with open(pack, 'r+b') as f:  # an incomplete pixel file
        f.truncate(100)
    with pytest.raises(PackError, match='an incomplete or mismatched pack'):
        PackedUnlabeledImageDataset(data_root=root, data_prefix='unlabeled')
    assert osp.exists(index_path(pack))


def test_two_workers_and_the_config_switch(root, tmp_path):
    img_dir = osp.join(root, 'unlabeled')
    write_pack(img_dir, list_images(img_dir), osp.join(root, 'unlabeled.packed'), workers=1)
    leaf = tmp_path / 'leaf.py'
    leaf.write_text(f'_base_ = {BASE!r}\ntrain_dataloader = dict(dataset=_base_.packed_dataset)\n')
    cfg = Config.fromfile(str(leaf))
    loader_cfg = cfg.train_dataloader
    assert loader_cfg.dataset.type == 'PackedUnlabeledImageDataset'
    assert loader_cfg.dataset.pipeline == cfg.train_pipeline[1:]  # the loader left out
    assert Config.fromfile(BASE).train_dataloader.dataset.type == 'UnlabeledImageDataset'  # default
    loader_cfg.update(batch_size=3, num_workers=2, persistent_workers=False)
    loader_cfg.dataset.data_root = root  # as --data-root sets it
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    init_default_scope('mmpretrain')
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    batches = list(loader)
    assert len(batches) == 2  # 6 samples: the bad image skipped, another drawn in its place
    for batch in batches:
        assert [tuple(v.shape) for v in batch['inputs']] == [(3, 3, 224, 224)] * 2
        assert batch['inputs'][0].dtype == torch.uint8
    assert loader.dataset.images._pixels is None  # the map was opened in the workers only
    # the workers' pixels are the PNGs'
    ds = PackedUnlabeledImageDataset(data_root=root, data_prefix='unlabeled')
    raw = torch.utils.data.DataLoader(ds, num_workers=2, collate_fn=lambda b: b[0])
    want = {r['img_path']: r['img'] for r in decoded(root, 'pillow') if r is not None}
    got = {r['img_path']: r['img'] for r in raw if r is not None}
    assert got.keys() == want.keys() and all(np.array_equal(got[k], want[k]) for k in want)
