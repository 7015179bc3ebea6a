"""docs/your_data.md: every command of its bash blocks, run on the tiny test data in the NYU
layout exported to COCO (its paths moved to a temp folder, training cut to one short epoch), so
the page cannot go stale."""

import contextlib
import importlib
import io
import os.path as osp
import re
import shlex

import pytest
from conftest import ROOT, run_tool

pytestmark = pytest.mark.heavy  # scheduled first (tests/conftest.py)

DOC = osp.join(ROOT, 'docs', 'your_data.md')
SHORT = ['train_cfg.max_epochs=1', 'train_dataloader.batch_size=2',
         'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False']  # fmt: skip
EVAL = ['val_dataloader.batch_size=2', 'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False']  # fmt: skip


def doc_commands():
    """The lines of the page's ```bash blocks."""
    blocks = re.findall(r'```bash\n(.*?)```', open(DOC, encoding='utf-8').read(), re.S)
    return [ln for b in blocks for ln in b.splitlines() if ln.strip()]


def adapt(line: str, tmp: str) -> list:
    """The command as the test runs it: data and work dirs under ``tmp``, tiny data, one short
    epoch, checkpoints from the shortened runs, a run matrix as a dry run."""
    line = line.replace('data/demo-coco', f'{tmp}/demo-coco').replace('data/demo', f'{tmp}/demo')
    args = shlex.split(line)
    tool = args[1]
    stem = lambda p: osp.splitext(osp.basename(p))[0]  # noqa: E731
    if tool == 'tools/make_demo_data.py':
        args += ['--train', '8', '--val', '4', '--unlabeled', '6', '--seed', '1']
    elif tool == 'tools/train.py':
        opts = SHORT + (EVAL + ['train_cfg.val_interval=1'] if 'faster' in args[2] else [])
        if 'barlowtwins-pre' in args[2]:
            ssl = f'{tmp}/work/barlowtwins_resnet18-w32_1xb64-coslr-20e_coco-demo/epoch_1.pth'
            opts.append(f'model.backbone.init_cfg.checkpoint={ssl}')
        args += ['--work-dir', f'{tmp}/work/{stem(args[2])}', '--cfg-options', *opts]
    elif tool in ('tools/test.py', 'tools/vis_detections.py'):
        args[3] = f'{tmp}/work/{stem(args[2])}/epoch_1.pth'
        if tool == 'tools/test.py':
            args += ['--work-dir', f'{tmp}/work/test', '--cfg-options', *EVAL[3:]]
        else:
            args += ['--out', f'{tmp}/work/detections.png']
    elif tool == 'tools/run_matrix.py':
        args += ['--dry-run', '--out', f'{tmp}/matrix']
    return args[1:]


# Tools called in this process (their main(argv)), as a command line would: the imports are
# paid once. Training, testing and drawing run as real processes.
IN_PROCESS = ('tools/make_demo_data.py', 'tools/dataset_converters/nyu2coco.py',
              'tools/check_dataset.py', 'tools/run_matrix.py')  # fmt: skip


def run(args: list) -> str:
    """Run one adapted command; its output (it must succeed)."""
    if args[0] not in IN_PROCESS:
        proc = run_tool(*args, timeout=600)
        return proc.stdout + proc.stderr
    module = importlib.import_module(args[0][:-3].replace('/', '.'))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        rc = module.main(args[1:])
    assert not rc, f'{args}: exit {rc}\n{out.getvalue()[-3000:]}'
    return out.getvalue()


def test_the_page_runs(tmp_path):
    commands = doc_commands()
    assert [shlex.split(c)[1] for c in commands] == [
        'tools/make_demo_data.py', 'tools/dataset_converters/nyu2coco.py',
        'tools/check_dataset.py', 'tools/check_dataset.py', 'tools/check_dataset.py',
        'tools/train.py', 'tools/train.py', 'tools/test.py', 'tools/vis_detections.py',
        'tools/run_matrix.py',
    ]  # fmt: skip
    outputs = [run(adapt(line, str(tmp_path))) for line in commands]
    unlabeled = sorted(p.name for p in (tmp_path / 'demo-coco' / 'unlabeled' / '0').iterdir())
    assert unlabeled == ['1.PNG', '2.png', '3.Png', '4.PNG', '5.png', '6.Png']
    assert outputs[2].rstrip().endswith('OK') and '8 labelled images' in outputs[2]
    assert '6 unlabeled images' in outputs[3]  # the nested tree
    assert 'coco/bbox_mAP' in outputs[7]
    assert osp.isfile(tmp_path / 'work' / 'detections.png')
    assert 'tools/train.py' in outputs[9]
