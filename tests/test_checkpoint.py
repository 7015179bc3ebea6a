"""Checkpoints on torch >= 2.6 with weights_only=True: save, resume, load_from, test, refuse."""

import glob
import json
import os
import os.path as osp
import pickle

import pytest
import torch
from conftest import TINY_DET, run_tool, tensorboard_tags, upstream

from custom_modules.engine import UnsafeCheckpointError, safe_torch_load

pytestmark = pytest.mark.heavy  # scheduled first (tests/conftest.py)


def data_opts(root):
    return [f'{k}_dataloader.dataset.data_root={root}' for k in ('train', 'val', 'test')]


@pytest.fixture(scope='module')
def trained(trained_det):
    """The work dir of two epochs of the tiny detector (conftest.trained_det)."""
    return trained_det[0]


def test_scalars_reach_tensorboard(trained):
    tags = tensorboard_tags(trained)
    assert {'loss', 'loss_cls', 'lr', 'coco/bbox_mAP'} <= tags, tags


def test_checkpoints_load_with_weights_only(trained):
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        ckpt = safe_torch_load(osp.join(trained, name))
        assert ckpt['meta']['epoch'] == int(name[6])
        assert 'message_hub' in ckpt and 'optimizer' in ckpt
        assert any(k.startswith('backbone.') for k in ckpt['state_dict'])
    # the allow-list is needed: plain weights_only refuses mmengine's own checkpoint
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer|Unsupported global'):
        torch.serialization.clear_safe_globals()
        try:
            torch.load(osp.join(trained, 'epoch_1.pth'), weights_only=True)
        finally:
            from custom_modules.engine.checkpoint import SAFE_GLOBALS

            torch.serialization.add_safe_globals(SAFE_GLOBALS)


def test_resume_continues_from_the_checkpoint(trained, demo_root, tmp_path):
    work = str(tmp_path)
    run_tool(
        'tools/train.py', TINY_DET, '--work-dir', work,
        '--resume', osp.join(trained, 'epoch_1.pth'),
        '--cfg-options', *data_opts(demo_root),
    )  # fmt: skip
    log = open(next(osp.join(dp, f) for dp, _, fs in os.walk(work) for f in fs
                    if f.endswith('.log'))).read()  # fmt: skip
    assert 'resumed epoch: 1' in log
    assert 'Epoch(train) [1]' not in log and 'Epoch(train) [2][4/4]' in log
    assert safe_torch_load(osp.join(work, 'epoch_2.pth'))['meta']['epoch'] == 2
    # --resume with no path takes the work dir's last checkpoint
    proc = run_tool(
        'tools/train.py', TINY_DET, '--work-dir', work, '--resume',
        '--cfg-options', *data_opts(demo_root), 'train_cfg.max_epochs=3',
    )  # fmt: skip
    assert 'resumed epoch: 2' in proc.stdout + proc.stderr
    assert osp.isfile(osp.join(work, 'epoch_3.pth'))


def test_load_from(trained, demo_root, tmp_path):
    proc = run_tool(
        'tools/train.py', TINY_DET, '--work-dir', str(tmp_path),
        '--cfg-options', *data_opts(demo_root), 'train_cfg.max_epochs=1',
        f'load_from={osp.join(trained, "epoch_2.pth")}',
    )  # fmt: skip
    assert 'Load checkpoint from' in proc.stdout + proc.stderr


def test_tools_test_prints_coco_metrics_and_writes_json(trained, demo_root, tmp_path):
    prefix = str(tmp_path / 'preds')
    proc = run_tool(
        'tools/test.py', TINY_DET, osp.join(trained, 'epoch_2.pth'),
        '--work-dir', str(tmp_path), '--outfile-prefix', prefix, '--classwise',
        '--cfg-options', *data_opts(demo_root), 'model.test_cfg.rcnn.score_thr=0.0',
    )  # fmt: skip
    for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s', 'bbox_mAP_m',
                'bbox_mAP_l'):  # fmt: skip
        assert f'{key:>12}: ' in proc.stdout
    metrics = json.load(open(tmp_path / 'metrics.json'))
    assert 0 <= metrics['coco/bbox_mAP'] <= 1
    assert osp.isfile(prefix + '.gt.json')
    out = proc.stdout + proc.stderr
    assert 'dog' in out and 'cattle' in out  # the per-class table names the classes
    # the written json re-scores to the same mAP with plain pycocotools
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = COCO(prefix + '.gt.json')
    assert json.load(open(prefix + '.bbox.json')), 'no predictions to re-score (score_thr=0)'
    ev = COCOeval(gt, gt.loadRes(prefix + '.bbox.json'), 'bbox')
    ev.evaluate(), ev.accumulate(), ev.summarize()
    assert abs(ev.stats[0] - metrics['coco/bbox_mAP']) < 1e-3


class Evil:
    def __reduce__(self):
        return (os.system, ('touch /tmp/ssl_det_pwned',))


def test_malicious_checkpoint_is_refused(trained, demo_root, tmp_path):
    if osp.exists('/tmp/ssl_det_pwned'):
        os.remove('/tmp/ssl_det_pwned')
    evil = str(tmp_path / 'evil.pth')
    ckpt = safe_torch_load(osp.join(trained, 'epoch_2.pth'))
    ckpt['meta']['payload'] = Evil()
    torch.save(ckpt, evil, pickle_protocol=pickle.HIGHEST_PROTOCOL)
    with pytest.raises(UnsafeCheckpointError, match='refused to load .*evil.pth.*arbitrary code'):
        safe_torch_load(evil)
    proc = run_tool(
        'tools/test.py', TINY_DET, evil, '--work-dir', str(tmp_path),
        '--cfg-options', *data_opts(demo_root), check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert 'refused to load' in proc.stderr and 'evil.pth' in proc.stderr
    assert not osp.exists('/tmp/ssl_det_pwned')


def test_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth does not exist'):
        safe_torch_load(str(tmp_path / 'nope.pth'))


def test_vis_detections_and_featmaps(trained, demo_root, tmp_path):
    import cv2

    from tools.vis_detections import main as vis_det
    from tools.vis_featmaps import main as vis_feat

    opts = ['--cfg-options', f'test_dataloader.dataset.data_root={demo_root}']
    ckpt = osp.join(trained, 'epoch_2.pth')
    out = vis_det([TINY_DET, ckpt, '--num', '2', '--select', 'worst', '--pool', '4',
                   '--score-thr', '0.0', '--out', str(tmp_path / 'det.png'), *opts])  # fmt: skip
    img = cv2.imread(out)
    assert img.shape[0] == 2 * 340 and img.shape[1] == 2 * 320 + 6  # 2 rows: GT | predictions
    image = osp.join(demo_root, 'labeled', 'validation', 'images', '1.JPEG')
    out = vis_feat([TINY_DET, ckpt, image, '--out', str(tmp_path / 'feat.png'), *opts])
    assert cv2.imread(out).shape[1] == 6 * 256 + 5 * 4  # the input and P2-P6


def test_f1_matching():
    import numpy as np

    from tools.vis_detections import f1

    gt = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
    gl = np.array([1, 2])
    assert f1(gt, gl, gt.copy(), gl.copy()) == 1.0
    assert f1(gt, gl, gt[:1], np.array([2])) == 0.0  # right place, wrong class
    assert f1(gt, gl, np.concatenate([gt, gt[:1]]), np.array([1, 2, 1])) == 2 * 2 / 5  # duplicate


def test_publish_model_writes_a_file_that_loads_without_an_allow_list(trained, tmp_path):
    import hashlib

    from tools.publish_model import publish

    src = osp.join(trained, 'epoch_2.pth')
    out = publish(src, str(tmp_path / 'frcnn_tiny.pth'))
    digest = hashlib.sha256(open(out, 'rb').read()).hexdigest()
    assert osp.basename(out) == f'frcnn_tiny-{digest[:8]}.pth'
    torch.serialization.clear_safe_globals()  # as on a machine without this project
    try:
        published = torch.load(out, weights_only=True)
    finally:
        from custom_modules.engine.checkpoint import SAFE_GLOBALS

        torch.serialization.add_safe_globals(SAFE_GLOBALS)
    assert set(published) == {'state_dict', 'meta'} and published['meta']['epoch'] == 2
    weights = safe_torch_load(src)['state_dict']
    assert all(torch.equal(published['state_dict'][k], v) for k, v in weights.items())


def test_mmdet_analyze_logs_plots_the_training_curve(trained, tmp_path):
    (log,) = glob.glob(osp.join(trained, '*', 'vis_data', '2*.json'))
    out = upstream('analysis_tools/analyze_logs.py', 'plot_curve', log, '--keys', 'loss',
                   'loss_cls', '--out', str(tmp_path / 'curve.png'), cwd=tmp_path)  # fmt: skip
    assert 'metric is loss_cls' in out and osp.getsize(tmp_path / 'curve.png') > 5000
