"""tools/run_matrix.py: a matrix of tiny runs, rerun (skips), resume and the table."""

import glob
import json
import os
import os.path as osp
import re
import sys

import pytest
import torch
import yaml
from conftest import ROOT, run_tool
from mmengine.config import Config

from tools.lib import jobs as matrix_jobs
from tools.lib import results as matrix_results
from tools.lib.jobs import Launcher, run, train
from tools.lib.results import RANDOM, gap_stats, knn_probes, last_knn, paired_gaps, table
from tools.lib.spec import job_config, load_spec, plan

pytestmark = pytest.mark.heavy  # scheduled first (tests/conftest.py)


def tiny_spec(fmt: str, data_root: str, random_init: bool = True) -> dict:
    """The tiny matrix on the tiny demo data in ``fmt`` ('nyu' layout, or 'coco': its COCO
    export): Barlow Twins for 1 epoch, then the detector from it and (``random_init``) from
    random init, on half the labels."""
    spec = dict(
        name='tiny',
        seeds=[0],
        data_root=data_root + '/',
        label_fractions=[0.5],
        pretraining=[dict(name='bt', label='Barlow Twins',
                          config=f'tests/configs/barlowtwins_tiny_{fmt}-demo.py',
                          options={'train_cfg.max_epochs': 1})],
        detection=[
            dict(config=f'tests/configs/faster-rcnn_tiny_{fmt}-demo.py', backbone='R18',
                 detector='Faster R-CNN', pretraining=None),
            dict(config=f'tests/configs/faster-rcnn_tiny-barlowtwins-pre_{fmt}-demo.py',
                 backbone='R18', detector='Faster R-CNN', pretraining='bt'),
        ],
    )  # fmt: skip
    spec['detection'] = spec['detection'][0 if random_init else 1 :]
    return spec


def run_matrix(spec: dict, tmp):
    path = tmp / 'spec.yml'
    path.write_text(yaml.safe_dump(spec))
    out = tmp / 'out'
    # two at once: the random-init fine-tune trains beside the pretraining
    proc = run_tool('tools/run_matrix.py', str(path), '--out', str(out), '--jobs', '2',
                    timeout=900)  # fmt: skip
    return path, out, proc


@pytest.fixture(scope='module')
def matrix(demo_root, tmp_path_factory):
    return run_matrix(tiny_spec('nyu', demo_root), tmp_path_factory.mktemp('matrix'))


def test_matrix_trains_tests_and_tabulates(matrix):
    _, out, proc = matrix
    rows = json.loads((out / 'results.json').read_text())
    assert len(rows) == 2  # 2 detectors x 1 seed (the seed statistics: test_paired_gap_and_table)
    keys = {'backbone', 'pretraining', 'detector', 'config', 'run', 'checkpoint', 'bbox_mAP',
            'bbox_mAP_50', 'bbox_mAP_75', 'train_minutes', 'seed', 'label_fraction',
            'precision', 'device', 'commit', 'date'}  # fmt: skip
    for r in rows:
        assert set(r) == keys
        assert osp.isfile(r['checkpoint']) and 0 <= r['bbox_mAP'] <= 1
        assert r['train_minutes'] is not None
        # what the numbers depend on: the precision the checkpoint recorded, the machine, code
        assert r['precision'] in ('bf16', 'fp32') and r['device'] and r['commit'] and r['date']
    assert {r['pretraining'] for r in rows} == {RANDOM, 'Barlow Twins'}
    # the fine-tune got the pretraining run of its own seed, and loaded all of it
    for seed in (0,):
        log = (out / f'seed{seed}' / 'frac0.5' / 'faster-rcnn_tiny-barlowtwins-pre_nyu-demo' /
               'run_matrix.log').read_text()  # fmt: skip
        assert f'seed{seed}/barlowtwins_tiny_nyu-demo/epoch_1.pth' in log
        assert '100.0%' in log  # the checkpoint guard's report
    ssl = json.loads((out / 'ssl.json').read_text())
    assert [r['seed'] for r in ssl] == [0] and all(r['knn_top1'] is not None for r in ssl)
    assert all(r['knn_top1_init'] is not None for r in ssl)  # the probe before training
    # the values the hook logged: the probe before training and the one after the last epoch
    log = (out / 'seed0' / 'barlowtwins_tiny_nyu-demo' / 'run_matrix.log').read_text()
    probes = re.findall(r'k-NN probe \(epoch (\d+)\): top-1 ([\d.]+)', log)
    assert [e for e, _ in probes] == ['0', '1']
    assert ssl[0]['knn_top1_init'] == pytest.approx(float(probes[0][1]), abs=5e-5)
    assert ssl[0]['knn_top1'] == pytest.approx(float(probes[-1][1]), abs=5e-5)
    md = (out / 'results.md').read_text()
    assert 'seeds won' in md
    assert '== [3/3]' in proc.stdout and 'min left' in proc.stdout  # progress with an ETA


def _scalars(work) -> list:
    """Every logged (step, loss) of a run (its vis_data/scalars.json) and its k-NN probes."""
    (path,) = work.glob('*/vis_data/scalars.json')
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [(r.get('step'), r.get('loss'), r.get('knn/top1')) for r in rows
            if 'loss' in r or 'knn/top1' in r]  # fmt: skip


def test_a_coco_export_runs_the_same(matrix, demo_root, tmp_path_factory):
    """The tiny demo data exported to COCO json, its unlabeled images in nested folders with
    mixed-case extensions, through the same chain (before the rerun test resumes a run of the
    NYU one): the same label subsets, losses, k-NN probes and mAP as the NYU layout."""
    from tools.dataset_converters.nyu2coco import main as nyu2coco

    tmp = tmp_path_factory.mktemp('coco')
    export = tmp / 'demo-coco'
    nyu2coco([demo_root, str(export), '--demo', '--unlabeled-tree', '4'])
    tree = sorted(
        str(p.relative_to(export / 'unlabeled')) for p in (export / 'unlabeled').rglob('*.*')
    )
    assert tree == ['0/1.PNG', '0/2.png', '0/3.Png', '0/4.PNG', '1/5.png', '1/6.Png']
    # the fine-tune from the pretrained backbone only (the random-init one adds no path)
    _, coco, _ = run_matrix(tiny_spec('coco', str(export), random_init=False), tmp)
    _, nyu, _ = matrix

    def key(r):
        return r['pretraining'], r['seed'], r['label_fraction']

    rows = {key(r): r for r in json.loads((nyu / 'results.json').read_text())}
    (r,) = json.loads((coco / 'results.json').read_text())
    twin = rows[key(r)]
    assert r['pretraining'] == 'Barlow Twins'
    assert [r[k] for k in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75')] == \
        [twin[k] for k in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75')]  # fmt: skip
    assert [r['knn_top1'] for r in json.loads((coco / 'ssl.json').read_text())] == \
        [r['knn_top1'] for r in json.loads((nyu / 'ssl.json').read_text())]  # fmt: skip
    for name in ('barlowtwins_tiny_{}-demo', 'frac0.5/faster-rcnn_tiny-barlowtwins-pre_{}-demo'):
        ours, theirs = (_scalars(out / 'seed0' / name.format(f))
                        for out, f in ((coco, 'coco'), (nyu, 'nyu')))  # fmt: skip
        assert ours == theirs and len(ours) >= 3, name
    # the same images of the fraction: the fine-tunes' logs name the same subset size
    for out, f in ((coco, 'coco'), (nyu, 'nyu')):
        run = out / 'seed0' / 'frac0.5' / f'faster-rcnn_tiny-barlowtwins-pre_{f}-demo'
        log = run / 'run_matrix.log'
        assert 'fraction=0.5: 6 of 8 images (seed 0)' in log.read_text()


def test_rerun_skips_and_resume_continues(matrix):
    path, out, _ = matrix
    work = out / 'seed0' / 'frac0.5' / 'faster-rcnn_tiny_nyu-demo'
    final = work / 'epoch_2.pth'
    before = {p: os.stat(p).st_mtime for p in out.rglob('*.pth')}
    # interrupted after epoch 1: the final checkpoint is gone, last_checkpoint names epoch 1
    final.unlink()
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    proc = run_tool('tools/run_matrix.py', str(path), '--out', str(out), timeout=900)
    assert proc.stdout.count('done before') == 2
    assert 'resuming the interrupted run' in proc.stdout
    assert final.is_file()
    log = (work / 'run_matrix.log').read_text().split('--resume')[-1]
    assert 'Epoch(train) [2]' in log and 'Epoch(train) [1]' not in log
    for p, t in before.items():
        if p != final:
            assert os.stat(p).st_mtime == t, f'{p} was retrained'
    assert len(json.loads((out / 'results.json').read_text())) == 2


def test_missing_pretraining_name_is_refused(tmp_path):
    spec = dict(detection=[dict(config='tests/configs/faster-rcnn_tiny_nyu-demo.py',
                                pretraining='nope')])  # fmt: skip
    (tmp_path / 's.yml').write_text(yaml.safe_dump(spec))
    proc = run_tool('tools/run_matrix.py', str(tmp_path / 's.yml'), check=False)
    assert proc.returncode != 0 and "'nope'" in proc.stderr


def test_specs_in_the_repo_are_valid(tmp_path, capsys):
    """Every spec plans (a dry run, in this process: the imports paid once)."""
    from tools.run_matrix import main

    for spec in sorted(glob.glob(osp.join(ROOT, 'configs', 'matrix', '*.yml'))):
        assert not main([spec, '--dry-run', '--out', str(tmp_path / osp.basename(spec))])
        assert 'tools/train.py' in capsys.readouterr().out, spec


def test_paired_gap_and_table():
    def row(pre, seed, m):
        return dict(backbone='R', detector='D', pretraining=pre, config=pre, seed=seed,
                    bbox_mAP=m, bbox_mAP_50=m, bbox_mAP_75=m, train_minutes=1.0)  # fmt: skip

    rows = [row(RANDOM, 0, 0.30), row(RANDOM, 1, 0.20), row('BT', 0, 0.25), row('BT', 1, 0.26)]
    gaps = paired_gaps(rows)
    assert sorted(gaps['BT', 'R', 'D', 1.0]) == [(0, pytest.approx(-0.05)),
                                                 (1, pytest.approx(0.06))]  # fmt: skip
    md = table(rows, [], [0, 1])
    # mean ± sd; 95% CI: 0.005 ± t(0.975, 1) * 0.0778 / sqrt(2); p = 2 P(T_1 > 0.005 / 0.055)
    assert '| BT | R | D | 100% | -0.050 (s0), +0.060 (s1) | +0.005 ± 0.078 | ' in md
    assert '| [-0.694, +0.704] | 0.94 | 1/2 |' in md
    assert '0.250 ± 0.071' in md  # the random-init row: mean and sample sd


def test_gap_statistics_match_the_textbook():
    """gap_stats against the t-test written out (and scipy's one-sample test of the gaps)."""
    import math

    from scipy import stats

    gaps = [0.016, 0.002, 0.017, 0.011, -0.004]
    st = gap_stats(gaps)
    n, mean = 5, sum(gaps) / 5
    sd = math.sqrt(sum((g - mean) ** 2 for g in gaps) / (n - 1))
    half = 2.7764451051977987 * sd / math.sqrt(n)  # t(0.975, 4)
    assert st['mean'] == pytest.approx(mean) and st['sd'] == pytest.approx(sd)
    assert st['ci'] == pytest.approx((mean - half, mean + half))
    assert st['p'] == pytest.approx(stats.ttest_1samp(gaps, 0.0).pvalue)
    assert st['won'] == 4 and st['n'] == 5
    one = gap_stats([0.01])
    assert one['sd'] is None and one['ci'] is None and one['p'] is None and one['won'] == 1
    assert gap_stats([0.01, 0.01])['p'] is None  # no spread: no test


def test_label_fractions_pair_within_a_fraction_and_plot(tmp_path):
    """Gaps pair rows of the same fraction only; the plot is written for two fractions."""

    def row(pre, seed, frac, m):
        return dict(backbone='R', detector='D', pretraining=pre, config=pre, seed=seed,
                    label_fraction=frac, bbox_mAP=m, bbox_mAP_50=m, bbox_mAP_75=m,
                    train_minutes=1.0)  # fmt: skip

    rows = [row(RANDOM, s, f, 0.1 * f + 0.01 * s) for s in (0, 1) for f in (0.1, 1.0)]
    rows += [row('BT', s, f, 0.1 * f + 0.01 * s + (0.05 if f < 1 else 0.01)) for s in (0, 1)
             for f in (0.1, 1.0)]  # fmt: skip
    gaps = paired_gaps(rows)
    assert set(gaps) == {('BT', 'R', 'D', 0.1), ('BT', 'R', 'D', 1.0)}
    assert [g for _, g in gaps['BT', 'R', 'D', 0.1]] == [pytest.approx(0.05)] * 2
    assert [g for _, g in gaps['BT', 'R', 'D', 1.0]] == [pytest.approx(0.01)] * 2
    md = table(rows, [], [0, 1])
    assert '| BT | R | D | 10% | +0.050 (s0), +0.050 (s1) |' in md
    assert '| R | none (random init) | D | 10% | 0.015 ± 0.007 |' in md
    assert matrix_results.plot_fractions(rows, str(tmp_path / 'f.png'))
    assert (tmp_path / 'f.png').stat().st_size > 1000
    assert not matrix_results.plot_fractions([r for r in rows if r['label_fraction'] == 1.0],
                                         str(tmp_path / 'g.png'))  # fmt: skip


def test_plan_runs_each_fine_tune_per_fraction(tmp_path):
    """label_fractions: one fine-tune per fraction and seed, in frac<F>/ work dirs, whose config
    wraps the labeled dataset in LabelFractionDataset with the run's seed (1.0: unwrapped);
    pretraining once per seed; the spec's classes (names with spaces too) on every labeled
    dataset, the probe's included, and their number on the model's heads."""
    spec = dict(
        seeds=[0, 1], label_fractions=[0.25, 1.0], classes=['a', 'b c'],
        pretraining=[dict(name='bt', config='tests/configs/barlowtwins_tiny_nyu-demo.py')],
        detection=[dict(config='tests/configs/faster-rcnn_tiny_nyu-demo.py', pretraining=None),
                   dict(config='tests/configs/faster-rcnn_tiny-barlowtwins-pre_nyu-demo.py',
                        pretraining='bt')],
    )  # fmt: skip
    (tmp_path / 's.yml').write_text(yaml.safe_dump(spec))
    jobs = plan(load_spec(str(tmp_path / 's.yml'), out='o'))
    assert [j['kind'] for j in jobs].count('pretraining') == 2
    det = [j for j in jobs if j['kind'] == 'detection']
    assert len(det) == 2 * 2 * 2
    for j in det:
        f, seed = j['label_fraction'], j['seed']
        assert f'frac{f:g}' in j['work_dir'] and j['work_dir'].startswith(f'o/seed{seed}/')
        cfg = job_config(j)
        ds = cfg.train_dataloader.dataset
        if f < 1:
            assert (ds.type, ds.fraction, ds.seed) == ('LabelFractionDataset', f, seed)
            ds = ds.dataset
        assert ds.type == 'NYUDetDataset' and ds.metainfo.classes == ['a', 'b c']
        assert cfg.val_dataloader.dataset.metainfo.classes == ['a', 'b c']
        assert cfg.model.roi_head.bbox_head.num_classes == 2
    ssl = [j for j in jobs if j['kind'] == 'pretraining']
    cfg = job_config(ssl[0])
    assert cfg.custom_hooks[1].train_dataset.metainfo.classes == ['a', 'b c']
    assert cfg.custom_hooks[1].val_dataset.metainfo.classes == ['a', 'b c']
    assert 'metainfo' not in cfg.train_dataloader.dataset  # unlabeled images: no classes


@pytest.mark.parametrize('slots', [1, 2, 3])
def test_schedule_respects_dependencies_and_slots(slots):
    """Fake runs of known length: never more than ``slots`` at once, a fine-tune only after its
    pretraining, and with 2 slots the random-init fine-tune overlaps the pretraining. A failed
    pretraining fails (skips) its fine-tunes and nothing else."""
    import threading
    import time

    jobs = [
        dict(kind='pretraining', config='bt', checkpoint='bt.pth', seed=0),
        dict(kind='pretraining', config='bad', checkpoint='bad.pth', seed=0),
        dict(kind='detection', config='rand', checkpoint='r.pth', seed=0),
        dict(kind='detection', config='ft', checkpoint='f.pth', seed=0, needs='bt.pth'),
        dict(kind='detection', config='ft2', checkpoint='f2.pth', seed=0, needs='bad.pth'),
    ]
    spans, now, lock = {}, [0], threading.Lock()

    def fake_run_job(jobs_, k):
        with lock:
            now[0] += 1
            running = now[0]
        start = time.monotonic()
        ok = jobs_[k]['config'] != 'bad'  # fails at once
        if jobs_[k].get('needs') == 'bad.pth':
            ok = False  # its pretraining failed: skipped
        elif ok:
            time.sleep(0.2)
        with lock:
            spans[jobs_[k]['config']] = (start, time.monotonic(), running)
            now[0] -= 1
        return ok

    failed = matrix_jobs.schedule(jobs, slots, lambda k: fake_run_job(jobs, k))
    assert failed == [1, 4]
    assert set(spans) == {'bt', 'bad', 'rand', 'ft', 'ft2'}
    assert max(r for _, _, r in spans.values()) <= slots
    assert spans['ft'][0] >= spans['bt'][1]  # the fine-tune after its pretraining
    assert spans['ft2'][0] >= spans['bad'][1]
    overlap = spans['rand'][0] < spans['bt'][1] and spans['bt'][0] < spans['rand'][1]
    assert overlap == (slots > 1)
    if slots == 1:  # the plan's order
        assert sorted(spans, key=lambda c: spans[c][0]) == ['bt', 'bad', 'rand', 'ft', 'ft2']


def test_the_run_trains_its_generated_config(tmp_path):
    """The config a run trains is written into its work dir and is the job's config: class
    names with spaces survive (--cfg-options dropped them); a dry run shows the command."""
    from tools.lib.spec import write_job_config

    spec = dict(classes=['dog', 'domestic cat'], label_fractions=[0.5],
                detection=[dict(config='tests/configs/faster-rcnn_tiny_nyu-demo.py')])  # fmt: skip
    (tmp_path / 's.yml').write_text(yaml.safe_dump(spec))
    proc = run_tool('tools/run_matrix.py', str(tmp_path / 's.yml'), '--dry-run', '--out',
                    str(tmp_path / 'o'))  # fmt: skip
    work = tmp_path / 'o' / 'seed0' / 'frac0.5' / 'faster-rcnn_tiny_nyu-demo'
    written = work / 'faster-rcnn_tiny_nyu-demo.py'
    assert str(written) in proc.stdout and '--cfg-options' not in proc.stdout
    (job,) = plan(load_spec(str(tmp_path / 's.yml'), out=str(tmp_path / 'o')))
    assert write_job_config(job) == str(written)
    cfg = Config.fromfile(str(written))
    assert cfg.train_dataloader.dataset.dataset.metainfo.classes == ['dog', 'domestic cat']
    assert cfg.train_dataloader.dataset.fraction == 0.5


def test_launcher_env_reaches_the_command_only(monkeypatch, tmp_path):
    """The Slurm scripts read GPUS from the environment: each run's command gets it in its own
    env (run_matrix once set os.environ['GPUS'] from its worker threads, where every run and
    this process saw it; and the Slurm test command never got it)."""
    monkeypatch.delenv('GPUS', raising=False)
    slurm = Launcher('slurm', gpus=16, partition='P')
    train_cmd = slurm.train_cmd('configs/x/c.py', 'w', {'a': 1}, resume=False)
    test_cmd = slurm.test_cmd('configs/x/c.py', 'w/e.pth', 'w', {})
    assert train_cmd[:6] == ['bash', 'tools/slurm_train.sh', 'P', 'c', 'configs/x/c.py', 'w']
    assert test_cmd[:2] == ['bash', 'tools/slurm_test.sh']
    assert 'GPUS' not in os.environ
    assert slurm.env() == {'GPUS': '16'} and Launcher('pytorch', 4).env() == {}

    class Echo(Launcher):  # a "training" that records what it sees and writes the checkpoint
        def train_cmd(self, config, work, opts, resume):
            code = ('import os, sys; print("GPUS=" + os.environ.get("GPUS", "unset")); '
                    'open(sys.argv[1], "w").close()')  # fmt: skip
            return [sys.executable, '-c', code, osp.join(work, 'epoch_1.pth')]

    for gpus in (8, 2):
        work = tmp_path / f'g{gpus}'
        work.mkdir()
        job = dict(config='tests/configs/faster-rcnn_tiny_nyu-demo.py', work_dir=str(work),
                   checkpoint=str(work / 'epoch_1.pth'), options={})  # fmt: skip
        assert train(job, Echo('slurm', gpus=gpus, partition='P'))
        assert f'GPUS={gpus}' in (work / 'run_matrix.log').read_text()
        assert (work / 'train_seconds').is_file()
    assert 'GPUS' not in os.environ
    log = tmp_path / 'plain.log'
    code = 'import os; print("GPUS=" + os.environ.get("GPUS", "unset"))'
    assert run([sys.executable, '-c', code], str(log)) == 0
    assert 'GPUS=unset' in log.read_text()


def test_knn_probes_come_from_the_checkpoint(tmp_path):
    """Every probe KNNProbeHook put in the message hub, in order, from the checkpoint that
    mmengine saved the hub into: the first is before training, the last after the last epoch
    (the older runs' key, train/knn_top1, too)."""
    from mmengine.logging import MessageHub

    hub = MessageHub.get_instance('test_knn_probes')
    for v in (0.125, 0.25, 0.5):
        hub.update_scalar('knn/top1', v)
    hub.update_scalar('train/loss', 3.0)
    path = str(tmp_path / 'epoch_2.pth')
    torch.save({'state_dict': {}, 'message_hub': hub.state_dict()}, path)
    assert knn_probes(path) == [0.125, 0.25, 0.5] and last_knn(path) == 0.5
    old = MessageHub.get_instance('test_knn_probes_old')
    old.update_scalar('train/knn_top1', 0.75)
    torch.save({'state_dict': {}, 'message_hub': old.state_dict()}, path)
    assert knn_probes(path) == [0.75]
    other = MessageHub.get_instance('test_knn_probes_none')
    other.update_scalar('train/loss', 3.0)
    torch.save({'state_dict': {}, 'message_hub': other.state_dict()}, path)
    assert knn_probes(path) == [] and last_knn(path) is None
    assert knn_probes(str(tmp_path / 'missing.pth')) == []


def test_precision_forces_every_run_and_names_the_output(tmp_path):
    """--precision fp32/bf16 reaches every run's --cfg-options (only where it changes something)
    and, without --out, the output folder; auto leaves the configs' own choice."""
    bt = 'configs/barlowtwins/barlowtwins_resnet18-w32_1xb64-coslr-20e_nyu-demo.py'
    det = 'configs/faster_rcnn/faster-rcnn_r50_fpn_8xb2-adam-40e_nyu.py'  # a plain OptimWrapper
    path = tmp_path / 'spec.yml'
    path.write_text(yaml.safe_dump(dict(
        name='p', pretraining=[dict(name='bt', config=bt)],
        detection=[dict(config=det, backbone='R', detector='D', pretraining=None)],
    )))  # fmt: skip
    opts = {}
    for precision in ('auto', 'fp32', 'bf16'):
        spec = load_spec(str(path), precision=precision)
        assert spec['out'] == 'work_dirs/p' + ('' if precision == 'auto' else f'-{precision}')
        opts[precision] = [job['options'] for job in plan(spec)]
    for o in opts['auto']:
        assert not any(k.startswith('optim_wrapper.') for k in o)
    assert opts['fp32'][0]['optim_wrapper.enabled'] is False  # the BF16OptimWrapper config
    assert not any(k.startswith('optim_wrapper.') for k in opts['fp32'][1])  # fp32 already
    for o in opts['bf16']:
        assert o['optim_wrapper.type'] == 'BF16OptimWrapper' and o['optim_wrapper.enabled']
    with pytest.raises(SystemExit, match='precision'):
        load_spec(str(path), precision='fp16')


def test_num_classes_come_from_a_coco_json(tmp_path):
    """Without spec classes, a COCO-format training set's json gives the model its number of
    classes (a user's json rarely has the demo's ten)."""
    from tools.lib.spec import data_options

    (tmp_path / 'annotations').mkdir()
    (tmp_path / 'training').mkdir()
    (tmp_path / 'validation').mkdir()
    names = ['a', 'b c', 'd']
    coco = dict(images=[], annotations=[],
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(names)])  # fmt: skip
    for split in ('training', 'validation'):
        (tmp_path / 'annotations' / f'{split}.json').write_text(json.dumps(coco))
    opts = data_options('tests/configs/faster-rcnn_tiny_coco-demo.py', str(tmp_path) + '/')
    assert opts['model.roi_head.bbox_head.num_classes'] == 3
    # the spec's classes win; the NYU layout's come from its config
    opts = data_options('tests/configs/faster-rcnn_tiny_coco-demo.py', str(tmp_path), ['x', 'y'])
    assert opts['model.roi_head.bbox_head.num_classes'] == 2
    assert 'model.roi_head.bbox_head.num_classes' not in data_options(
        'tests/configs/faster-rcnn_tiny_nyu-demo.py', str(tmp_path)
    )
