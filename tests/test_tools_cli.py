"""The tools' command lines as an OpenMMLab user meets them: --data-root moves a whole run,
--cfg-options keys nothing reads are warned about, missing data and checkpoints fail up front
naming what is missing, tools/test.py has mmdet's --out/--show-dir/--tta (and mmdet's
confusion_matrix.py reads its --out), check_dataset checks unlabeled folders."""

import glob
import os
import os.path as osp
import pickle
import re

import cv2
import numpy as np
import pytest
from conftest import ROOT, TINY_DET, run_tool, upstream
from mmengine.config import Config

from tools.lib.config import missing_data, set_data_root, unread_options

pytestmark = pytest.mark.heavy  # scheduled first (tests/conftest.py)

SSL_TINY = osp.join(ROOT, 'tests', 'configs', 'barlowtwins_tiny_nyu-demo.py')
SSL_DEMO = osp.join(
    ROOT, 'configs', 'barlowtwins', 'barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py'
)


def dumped_config(work):
    """The config the run dumped into its work dir."""
    (path,) = glob.glob(osp.join(work, '*.py'))
    return Config.fromfile(path, import_custom_modules=False)


@pytest.fixture(scope='module')
def det_run(trained_det):
    """Two epochs of the tiny detector given only --data-root (conftest.trained_det)."""
    return trained_det


def test_set_data_root_reaches_wrapped_datasets_evaluators_and_hooks():
    cfg = Config(
        dict(
            data_root='old/',
            train_dataloader=dict(dataset=dict(type='RepeatDataset', times=2, dataset=dict(
                type='ConcatDataset', datasets=[dict(data_root='old/'), dict(data_root='old/')]))),
            val_dataloader=dict(dataset=dict(type='NYUDetDataset', data_root='old/')),
            test_dataloader=None,
            val_evaluator=[dict(type='A'), dict(type='B', data_root='old/')],
            custom_hooks=[dict(type='X', data_root='old/'),
                          dict(type='KNNProbeHook', train_dataset=dict(data_root='old/'))],
        )
    )  # fmt: skip
    keys = set_data_root(cfg, '/new')
    assert keys == [
        'train_dataloader.dataset.dataset.datasets.0.data_root',
        'train_dataloader.dataset.dataset.datasets.1.data_root',
        'val_dataloader.dataset.data_root',
        'custom_hooks.1.train_dataset.data_root',
        'val_evaluator.1.data_root',
        'custom_hooks.0.data_root',
        'data_root',
    ]
    inner = cfg.train_dataloader.dataset.dataset.datasets
    assert [d.data_root for d in inner] == ['/new', '/new'] and cfg.data_root == '/new'
    assert 'data_root' not in cfg.val_evaluator[0] and 'data_root' not in cfg.custom_hooks[1]
    # the keys are --cfg-options keys: merging them does the same
    other = Config(cfg.to_dict())
    other.merge_from_dict({k: '/other' for k in keys})
    assert other.train_dataloader.dataset.dataset.datasets[1].data_root == '/other'


def test_set_data_root_on_an_ssl_config_moves_the_knn_probe():
    cfg = Config.fromfile(SSL_DEMO, import_custom_modules=False)
    keys = set_data_root(cfg, '/data/nyu')
    assert 'train_dataloader.dataset.data_root' in keys
    (knn,) = [h for h in cfg.custom_hooks if h.type == 'KNNProbeHook']
    assert knn.train_dataset.data_root == knn.val_dataset.data_root == '/data/nyu'
    assert cfg.train_dataloader.dataset.data_root == '/data/nyu'


def test_unread_top_level_options_are_warned_about():
    opts = {
        'data_root': '/x',
        'max_epochs': 3,
        'train_pipeline.2.scale': (64, 64),
        'trian_cfg.max_epochs': 1,  # misspelt section
        'train_cfg.max_epochs': 1,
        'load_from': 'a.pth',
        'randomness.seed': 1,
        'custom_imports.imports': ['x'],
        'tta_model.type': 'DetTTAModel',
    }
    warnings = unread_options(opts)
    assert len(warnings) == 4
    assert all('\n' not in w for w in warnings)
    named = [re.search(r'--cfg-options (\S+):', w).group(1) for w in warnings]
    assert named == ['data_root', 'max_epochs', 'train_pipeline.2.scale', 'trian_cfg.max_epochs']
    assert '--data-root' in warnings[0] and '--data-root' not in warnings[1]


def test_unread_option_warnings_name_the_entries_to_set(tmp_path):
    path = tmp_path / 'c.py'
    path.write_text('max_epochs = 5\ntrain_cfg = dict(max_epochs=max_epochs)\nlr = 0.1\n')
    cfg = Config.fromfile(str(path))
    epochs, typo = unread_options({'max_epochs': 9, 'trian_cfg.max_epochs': 1}, cfg)
    assert epochs.endswith('set the entries that use it instead (holding its value: '
                           'train_cfg.max_epochs)')  # fmt: skip
    assert "the config has no 'trian_cfg'" in typo and 'misspelt' in typo


def test_train_warns_and_names_the_missing_split_before_building(demo_root, tmp_path):
    """data_root=... is warned about; a data root without a validation split fails up front
    naming val_dataloader (not train_dataloader) and pointing at --data-root."""
    root = tmp_path / 'only_train'
    (root / 'labeled').mkdir(parents=True)
    os.symlink(osp.join(demo_root, 'labeled', 'training'), root / 'labeled' / 'training')
    proc = run_tool('tools/train.py', TINY_DET, '--work-dir', str(tmp_path / 'w'),
                    '--data-root', str(root), '--cfg-options', f'data_root={demo_root}',
                    check=False)  # fmt: skip
    assert proc.returncode != 0
    assert 'WARNING: --cfg-options data_root: nothing reads' in proc.stderr
    assert 'use --data-root DIR' in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if 'does not exist' in line]
    assert lines and all(line.startswith('val_dataloader.dataset ') for line in lines), lines
    assert str(root / 'labeled' / 'validation' / 'images') in proc.stderr
    assert 'train_dataloader' not in proc.stderr.split('data not found:')[1]
    assert 'Epoch(train)' not in proc.stdout and not osp.exists(tmp_path / 'w')  # nothing built


def test_dataset_names_the_split_it_belongs_to(demo_root):
    from custom_modules.datasets import NYUDetDataset

    kw = dict(data_root=demo_root, pipeline=[], metainfo=dict(classes=('dog',)))
    nowhere = dict(img='labeled/testing/images', ann='labeled/testing/labels')
    with pytest.raises(FileNotFoundError, match=r'val_dataloader or test_dataloader.*--data-root'):
        NYUDetDataset(data_prefix=nowhere, test_mode=True, **kw)
    with pytest.raises(FileNotFoundError, match=r'of the train_dataloader dataset.*--data-root'):
        NYUDetDataset(data_prefix=nowhere, **kw)


def test_train_with_only_data_root(det_run, demo_root):
    work, out = det_run
    assert 'Epoch(train) [1][4/4]' in out  # the fixture's 8 training images, batches of 2
    assert 'Epoch(val) [1][2/2]' in out  # and its 4 validation images
    cfg = dumped_config(work)
    for split in ('train', 'val', 'test'):
        assert cfg[f'{split}_dataloader'].dataset.data_root == demo_root
    assert 'Epoch(train) [2][4/4]' in out


def test_missing_data_lists_every_missing_folder(tmp_path):
    cfg = Config.fromfile(SSL_TINY, import_custom_modules=False)
    root = tmp_path / 'nowhere'
    set_data_root(cfg, str(root))
    lines = missing_data(cfg, ['train'])
    assert len(lines) == 6
    assert lines[0].startswith('train_dataloader.dataset (UnlabeledImageDataset) reads ')
    assert f'{root}/unlabeled, which does not exist' in lines[0]
    # the k-NN probe's labeled sets: images and labels of each
    assert lines[1].startswith('custom_hooks.1.train_dataset (NYUDetDataset) reads ')
    assert f'{root}/labeled/validation/labels, which' in lines[4]
    assert '--data-root' in lines[5]
    for split in ('training', 'validation'):
        for kind in ('images', 'labels'):
            (root / 'labeled' / split / kind).mkdir(parents=True)
    assert len(missing_data(cfg, ['train'])) == 2
    (root / 'unlabeled').mkdir(parents=True)
    assert missing_data(cfg, ['train']) == []


def test_test_refuses_a_missing_checkpoint_first(tmp_path):
    """Before the config's data or model: the data root given does not exist either, and the
    message is about the checkpoint alone, without --resume."""
    ckpt = str(tmp_path / 'work' / 'epoch_9.pth')
    (tmp_path / 'work').mkdir()
    (tmp_path / 'work' / 'epoch_1.pth').touch()
    from tools.test import main

    with pytest.raises(SystemExit) as stop:
        main([TINY_DET, ckpt, '--data-root', str(tmp_path / 'nowhere')])
    message = str(stop.value)
    assert f'checkpoint {ckpt} does not exist' in message and 'holds epoch_1.pth' in message
    assert 'resume' not in message
    assert 'nowhere' not in message  # the data was not looked at


def test_test_out_show_dir_and_mmdet_confusion_matrix(det_run, demo_root, tmp_path):
    work, _ = det_run
    pkl = str(tmp_path / 'results.pkl')
    run_tool('tools/test.py', TINY_DET, osp.join(work, 'epoch_1.pth'), '--data-root', demo_root,
             '--work-dir', str(tmp_path / 'test'), '--out', pkl, '--show-dir', 'shown',
             '--cfg-options', 'model.test_cfg.rcnn.score_thr=0.0')  # fmt: skip
    results = pickle.load(open(pkl, 'rb'))
    assert len(results) == 4  # the fixture's validation images
    assert {'img_id', 'img_path', 'pred_instances'} <= set(results[0])
    assert 'gt_instances' not in results[0]  # as mmdet's DumpDetResults writes them
    shown = glob.glob(str(tmp_path / 'test' / '*' / 'shown' / '*'))
    assert len(shown) == 4 and cv2.imread(shown[0]) is not None
    # mmdet's own analysis tools, on our config and the dump, from elsewhere, no PYTHONPATH
    out_dir = tmp_path / 'cm'
    upstream('analysis_tools/confusion_matrix.py', TINY_DET, pkl, str(out_dir), '--score-thr',
             '0.0', '--cfg-options', f'test_dataloader.dataset.data_root={demo_root}',
             cwd=tmp_path)  # fmt: skip
    assert cv2.imread(str(out_dir / 'confusion_matrix.png')) is not None
    # and analyze_results, which keeps only the config's loading steps (patches.py: ours count)
    top = tmp_path / 'top'
    upstream('analysis_tools/analyze_results.py', TINY_DET, pkl, str(top), '--topk', '1',
             '--cfg-options', f'test_dataloader.dataset.data_root={demo_root}',
             cwd=tmp_path)  # fmt: skip
    drawn = {d: os.listdir(top / d) for d in ('good', 'bad')}
    assert all(len(files) == 1 for files in drawn.values()), drawn


def test_test_tta_and_show_options(tmp_path):
    from tools.test import build_cfg, parse_args

    ckpt = str(tmp_path / 'x.pth')
    with pytest.raises(SystemExit, match=r'has no tta_model or tta_pipeline: --tta'):
        build_cfg(parse_args([TINY_DET, ckpt, '--tta']))
    tta = tmp_path / 'tta.py'
    tta.write_text(f"""_base_ = {TINY_DET!r}
tta_model = dict(type='DetTTAModel', tta_cfg=dict(nms=dict(type='nms', iou_threshold=0.5)))
tta_pipeline = [dict(type='LoadImageChecked'), dict(type='TestTimeAug', transforms=[
    [dict(type='RandomFlip', prob=1.0), dict(type='RandomFlip', prob=0.0)],
    [dict(type='PackDetInputs')]])]
""")
    cfg = build_cfg(parse_args([str(tta), ckpt, '--tta', '--show', '--wait-time', '0.5']))
    assert cfg.model.type == 'DetTTAModel' and cfg.model.module.type == 'FasterRCNN'
    assert cfg.test_dataloader.dataset.pipeline[1].type == 'TestTimeAug'
    vis = cfg.default_hooks.visualization
    assert vis.draw and vis.show and vis.wait_time == 0.5
    with pytest.raises(SystemExit):
        parse_args([TINY_DET, ckpt, '--out', 'results.json'])  # mmdet's rule: a pickle


def _png(path, img):
    cv2.imwrite(str(path), img)


def test_check_dataset_checks_an_unlabeled_folder(tmp_path, capsys):
    from tools.check_dataset import main as check_main

    d = tmp_path / 'unlabeled'
    d.mkdir()
    rng = np.random.default_rng(0)
    for i in (1, 2, 3):
        _png(d / f'{i}.PNG', rng.integers(0, 255, (40, 50, 3), np.uint8))
    _png(d / '4.PNG', rng.integers(0, 255, (30, 30), np.uint8))  # grayscale
    (d / '5.PNG').write_bytes(b'\x89PNG\r\n\x1a\n' + rng.bytes(200) + b'IEND\xaeB`\x82')  # corrupt
    data = (d / '1.PNG').read_bytes()
    (d / '6.PNG').write_bytes(data[: len(data) // 2])  # truncated
    _png(d / '1.png', rng.integers(0, 255, (40, 50, 3), np.uint8))  # 1.PNG's name again
    (d / 'notes.txt').write_text('not an image')
    rc = check_main([SSL_DEMO, '--data-root', str(tmp_path), '--workers', '2'])
    out = capsys.readouterr().out
    assert rc == 1
    unusable, repaired = out.split('repaired or converted on load:')
    assert f'{d}/5.PNG: cannot decode the image' in unusable
    assert f'{d}/6.PNG: truncated PNG' in unusable
    assert f'{d}/1.PNG: shares its name with 1.png (all of 1.PNG, 1.png)' in unusable
    assert f'{d}/4.PNG: L image converted to RGB' in repaired
    assert f'{d}: 6 unlabeled images, 50x40 (3), 30x30 (1); sides 30-50 px; 3 unusable, ' in out
    assert '3 problem(s) to fix before training' in out and 'notes.txt' not in out
    # the same folder without a config, in this process (--workers 1)
    assert check_main(['--data-root', str(tmp_path), '--workers', '1']) == 1
    assert '3 problem(s) to fix' in capsys.readouterr().out
