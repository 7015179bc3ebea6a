"""mmdet's own tools run on this project's configs from any directory, with no PYTHONPATH (the
package is installed editable by tools/install.sh). The tools that need a trained detector are
tested in test_checkpoint.py."""

import os
import os.path as osp

from conftest import ROOT, TINY_DET, upstream


def data_options(root):
    return [f'{k}_dataloader.dataset.data_root={root}' for k in ('train', 'val', 'test')]


def test_print_config(tmp_path):
    config = osp.join(
        ROOT, 'configs/barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py'
    )
    out = upstream('misc/print_config.py', config, cwd=tmp_path)
    assert 'custom_imports = dict(' in out and 'train_dataloader = dict(' in out


def test_browse_dataset_draws_the_boxes(demo_root, tmp_path):
    out_dir = tmp_path / 'browse'
    upstream('analysis_tools/browse_dataset.py', TINY_DET, '--not-show', '--output-dir',
             str(out_dir), '--cfg-options', *data_options(demo_root), cwd=tmp_path)  # fmt: skip
    drawn = sorted(os.listdir(out_dir))
    train = sorted(os.listdir(osp.join(demo_root, 'labeled', 'training', 'images')))
    assert drawn == train


def test_get_flops(demo_root, tmp_path):
    out = upstream('analysis_tools/get_flops.py', TINY_DET, '--cfg-options',
                   *data_options(demo_root), cwd=tmp_path)  # fmt: skip
    flops = float(out.split('Flops: ')[1].split('G')[0])
    assert 0.05 < flops < 50, out[-500:]


def test_mmpretrain_browse_dataset_builds_the_ssl_visualizer(tmp_path):
    """mmpretrain's tools/visualization/browse_dataset.py (not in its pip package) passes the
    config's visualizer dict, less ``type``, to ``UniversalVisualizer`` itself: a ``_scope_``
    injected by an ``mmpretrain::`` base was refused as an unexpected keyword argument."""
    from mmengine.config import Config
    from mmpretrain.visualization import UniversalVisualizer

    config = 'configs/barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py'
    cfg = Config.fromfile(osp.join(ROOT, config))
    args = {k: v for k, v in cfg.visualizer.items() if k != 'type'}
    vis = UniversalVisualizer(**args, save_dir=str(tmp_path), name='browse_ssl')
    assert [type(b).__name__ for b in vis._vis_backends.values()] == [
        'LocalVisBackend',
        'TensorboardVisBackend',
    ]
