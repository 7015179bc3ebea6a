"""mmdet's and mmpretrain's own tools run on this project's configs from any directory, with no
PYTHONPATH (the package is installed editable by tools/install.sh). The tools that need a
trained detector are tested in test_checkpoint.py."""

import os
import os.path as osp

import cv2
import mmpretrain
from conftest import ROOT, TINY_DET, upstream

TINY_COCO = osp.join(ROOT, 'tests', 'configs', 'faster-rcnn_tiny_coco-demo.py')

# mmpretrain's wheel ships its tools as mmdet's does (mim's `.mim/tools`); upstream() joins its
# argument to mmdet's tools folder, so an absolute path runs one of these.
MMPRETRAIN_TOOLS = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools')
SSL_DEMO = osp.join(
    ROOT, 'configs/barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py'
)


def data_options(root):
    return [f'{k}_dataloader.dataset.data_root={root}' for k in ('train', 'val', 'test')]


def test_print_config(tmp_path):
    out = upstream('misc/print_config.py', SSL_DEMO, cwd=tmp_path)
    assert 'custom_imports = dict(' in out and 'train_dataloader = dict(' in out


def test_browse_dataset_draws_the_boxes(demo_root, tmp_path):
    out_dir = tmp_path / 'browse'
    upstream('analysis_tools/browse_dataset.py', TINY_DET, '--not-show', '--output-dir',
             str(out_dir), '--cfg-options', *data_options(demo_root), cwd=tmp_path)  # fmt: skip
    drawn = sorted(os.listdir(out_dir))
    train = sorted(os.listdir(osp.join(demo_root, 'labeled', 'training', 'images')))
    assert drawn == train


def test_browse_dataset_draws_a_coco_json(demo_root, tmp_path):
    """The same tool on the COCO-format tiny detector (CheckedCocoDataset) reading the tiny
    demo data exported to COCO json (tools/dataset_converters/nyu2coco.py)."""
    from tools.dataset_converters.nyu2coco import main as nyu2coco

    export = str(tmp_path / 'demo-coco')
    nyu2coco([demo_root, export, '--demo', '--unlabeled-tree', '4'])
    out_dir = tmp_path / 'browse'
    upstream('analysis_tools/browse_dataset.py', TINY_COCO, '--not-show', '--output-dir',
             str(out_dir), '--cfg-options', f'train_dataloader.dataset.data_root={export}/',
             cwd=tmp_path)  # fmt: skip
    assert sorted(os.listdir(out_dir)) == sorted(os.listdir(osp.join(export, 'training')))


def test_get_flops(demo_root, tmp_path):
    out = upstream('analysis_tools/get_flops.py', TINY_DET, '--cfg-options',
                   *data_options(demo_root), cwd=tmp_path)  # fmt: skip
    flops = float(out.split('Flops: ')[1].split('G')[0])
    assert 0.05 < flops < 50, out[-500:]


def test_mmpretrain_browse_dataset_draws_the_ssl_pipeline(demo_root, tmp_path):
    """mmpretrain's tools/visualization/browse_dataset.py on the SSL demo config, every step of
    the two-view pipeline side by side (``--mode pipeline``; ``transformed`` and ``concat`` draw
    with the same function). It failed twice: it passes the config's visualizer dict, less
    ``type``, to ``UniversalVisualizer`` itself, which refused the ``_scope_`` that an
    ``mmpretrain::`` base injects; and under matplotlib 3.11 it calls the private
    ``matplotlib._tight_bbox.adjust_bbox`` without the ``renderer`` argument that 3.11 added
    (requirements.txt pins 3.10.9; docs/install.md)."""
    out_dir = tmp_path / 'browse'
    upstream(osp.join(MMPRETRAIN_TOOLS, 'visualization', 'browse_dataset.py'), SSL_DEMO,
             '--mode', 'pipeline', '--not-show', '--output-dir', str(out_dir),
             '--cfg-options', data_options(demo_root)[0], cwd=tmp_path)  # fmt: skip
    drawn = sorted(os.listdir(out_dir))
    assert drawn == sorted(os.listdir(osp.join(demo_root, 'unlabeled')))
    # one figure of the loaded image and both views, larger than the image itself
    image = cv2.imread(osp.join(demo_root, 'unlabeled', drawn[0]))
    picture = cv2.imread(str(out_dir / drawn[0]))
    assert picture.shape[1] > 2 * image.shape[1]
