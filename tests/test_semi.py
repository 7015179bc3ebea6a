"""Soft Teacher (mmdet's semi-supervised detector) on the NYU layout: the tiny config trains
from tools/train.py and tools/dist_train.sh (2 processes, gloo), resumes, and tests; the spec
puts a label fraction on its labeled dataset; one step of the demo config on a multi-branch
batch."""

import os
import os.path as osp

import pytest
import torch
import yaml
from conftest import ROOT, run_tool
from mmengine.config import Config
from mmengine.registry import init_default_scope

from tools.lib.spec import job_config, load_spec, plan

pytestmark = pytest.mark.heavy  # scheduled first (tests/conftest.py)

TINY_ST = osp.join(ROOT, 'tests', 'configs', 'soft-teacher_tiny_nyu-demo.py')
DEMO_ST = osp.join(
    ROOT,
    'configs',
    'soft_teacher',
    'soft-teacher_faster-rcnn_r18-w32_fpn_1xb16-adam-450i_nyu-demo.py',
)


def _log(work):
    return open(next(osp.join(dp, f) for dp, _, fs in os.walk(work) for f in fs
                     if f.endswith('.log'))).read()  # fmt: skip


def test_soft_teacher_trains_resumes_and_tests(demo_root, tmp_path):
    work, again = str(tmp_path / 'a'), str(tmp_path / 'b')
    run_tool('tools/train.py', TINY_ST, '--work-dir', work, '--data-root', demo_root)
    log = _log(work)
    # both halves of the batch trained: the labeled images and the pseudo-labeled ones
    assert 'Iter(train) [2/2]' in log and 'sup_loss_cls' in log and 'unsup_loss_cls' in log
    # validation of the teacher and of the student
    assert 'teacher/coco/bbox_mAP' in log and 'student/coco/bbox_mAP' in log
    # (no validation in the resumed run: the first one checked it)
    proc = run_tool('tools/train.py', TINY_ST, '--work-dir', again, '--data-root', demo_root,
                    '--resume', osp.join(work, 'iter_1.pth'), '--cfg-options', 'val_cfg=None',
                    'val_dataloader=None', 'val_evaluator=None')  # fmt: skip
    assert 'resumed epoch: 0, iter: 1' in proc.stdout + proc.stderr
    assert osp.isfile(osp.join(again, 'iter_2.pth'))
    # the resumed run continues the schedule, the optimizer and the teacher; it is not bitwise
    # the uninterrupted one (an iteration-based loop is seeded once: docs/reliability.md)
    a = torch.load(osp.join(work, 'iter_2.pth'), weights_only=False)
    b = torch.load(osp.join(again, 'iter_2.pth'), weights_only=False)
    assert a['state_dict'].keys() == b['state_dict'].keys()
    assert any(k.startswith('teacher.') for k in b['state_dict'])
    lrs = [[g['lr'] for g in c['optimizer']['param_groups']] for c in (a, b)]
    assert lrs[0] == lrs[1] and a['meta']['iter'] == b['meta']['iter'] == 2
    proc = run_tool('tools/test.py', TINY_ST, osp.join(work, 'iter_2.pth'), '--work-dir',
                    osp.join(work, 'test'), '--data-root', demo_root)  # fmt: skip
    assert 'coco/bbox_mAP' in proc.stdout + proc.stderr


def test_soft_teacher_dist_two_processes(demo_root, tmp_path):
    from test_distributed import free_port

    work = str(tmp_path)
    run_tool(
        'bash', 'tools/dist_train.sh', TINY_ST, '2', '--work-dir', work, '--data-root',
        demo_root, '--cfg-options', 'train_cfg.max_iters=1', 'train_cfg.val_interval=1',
        env={'PORT': str(free_port()), 'OMP_NUM_THREADS': '1'},
    )  # fmt: skip
    log = _log(work)
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    assert 'Iter(train) [1/1]' in log and 'unsup_loss_cls' in log
    assert osp.isfile(osp.join(work, 'iter_1.pth'))


def test_spec_sets_the_fraction_on_the_labeled_dataset(tmp_path):
    """A semi-supervised entry's label fraction goes to the ConcatDataset's labeled member; the
    data root to both members."""
    spec = dict(
        seeds=[1], label_fractions=[0.1], data_root='d/',
        detection=[dict(config=osp.relpath(TINY_ST, ROOT), pretraining=None,
                        labeled_dataset='train_dataloader.dataset.datasets.0')],
    )  # fmt: skip
    (tmp_path / 's.yml').write_text(yaml.safe_dump(spec))
    (job,) = plan(load_spec(str(tmp_path / 's.yml'), out='o'))
    cfg = job_config(job)
    labeled, unlabeled = cfg.train_dataloader.dataset.datasets
    assert (labeled.type, labeled.fraction, labeled.seed) == ('LabelFractionDataset', 0.1, 1)
    assert labeled.dataset.type == 'NYUDetDataset' and labeled.dataset.data_root == 'd/'
    assert unlabeled.type == 'UnlabeledImageDataset' and unlabeled.data_root == 'd/'
    assert job['checkpoint'].endswith('iter_2.pth')
    # a second entry of the same config takes its own work dir
    spec['detection'].append(dict(spec['detection'][0], run_name='st-bt'))
    (tmp_path / 's.yml').write_text(yaml.safe_dump(spec))
    dirs = [j['work_dir'] for j in plan(load_spec(str(tmp_path / 's.yml'), out='o'))]
    assert dirs == ['o/seed1/frac0.1/soft-teacher_tiny_nyu-demo', 'o/seed1/frac0.1/st-bt']


def test_demo_soft_teacher_trains_a_step():
    """One forward/backward of the demo config on a multi-branch batch of 64 px images: a
    labeled image for the student, an unlabeled one in a weak view for the teacher and a strong
    view for the student."""
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    cfg = Config.fromfile(DEMO_ST)
    init_default_scope(cfg.default_scope)
    # a fresh teacher predicts nothing above mmdet's 0.9: let pseudo-labels through
    cfg.model.semi_train_cfg.update(pseudo_label_initial_score_thr=0.0, cls_pseudo_thr=0.0,
                                    rpn_pseudo_thr=0.0)  # fmt: skip
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    g = torch.Generator().manual_seed(0)

    def sample(labeled):
        meta = dict(img_shape=(64, 64), ori_shape=(64, 64), scale_factor=(1.0, 1.0),
                    homography_matrix=torch.eye(3).numpy())  # fmt: skip
        s = DetDataSample(metainfo=meta)
        n = 1 if labeled else 0
        s.gt_instances = InstanceData(bboxes=torch.tensor([[8.0, 8.0, 40.0, 44.0]])[:n],
                                      labels=torch.tensor([3])[:n])  # fmt: skip
        return s

    def image():
        return torch.randint(0, 256, (3, 64, 64), generator=g, dtype=torch.uint8)

    batch = dict(
        inputs=dict(sup=[image()], unsup_teacher=[image()], unsup_student=[image()]),
        data_samples=dict(sup=[sample(True)], unsup_teacher=[sample(False)],
                          unsup_student=[sample(False)]),
    )  # fmt: skip
    batch['inputs']['unsup_student'] = [batch['inputs']['unsup_teacher'][0].clone()]
    data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    assert {'sup_loss_cls', 'unsup_loss_cls'} <= set(losses)
    loss, log_vars = model.parse_losses(losses)
    assert torch.isfinite(loss), log_vars
    loss.backward()
    grads = [p.grad for p in model.student.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(x).all() for x in grads)
    # the teacher is frozen: it learns only through MeanTeacherHook's average
    assert all(p.grad is None for p in model.teacher.parameters())
