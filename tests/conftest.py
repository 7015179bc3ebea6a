import glob
import os
import os.path as osp
import subprocess
import sys

import mmdet
import pytest

# One intra-op thread, here and in every tool the tests start: the shapes are tiny, and on a
# 2-core machine shared with dataloader workers or other jobs, OpenMP threads that wait for each
# other made a tiny training step 30x slower (6.0 s vs 0.2 s measured here).
os.environ.setdefault('OMP_NUM_THREADS', '1')
ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_DET = osp.join(ROOT, 'tests', 'configs', 'faster-rcnn_tiny_nyu-demo.py')


def _resources():
    """Free disk (the checkout, the temp dir) and available memory, in a line."""
    import shutil
    import tempfile

    out = [f'{d} {shutil.disk_usage(d).free / 2**30:.1f} GiB free'
           for d in (ROOT, tempfile.gettempdir())]  # fmt: skip
    try:
        mem = int(open('/proc/meminfo').read().split('MemAvailable:')[1].split()[0])
        out.append(f'memory {mem / 2**20:.1f} GiB available')
    except (OSError, IndexError, ValueError):
        pass
    return '; '.join(out)


_AT_START = []


def pytest_collection_modifyitems(items):
    """Files marked ``heavy`` (``pytestmark``: their tests or fixtures train, a minute or more)
    run first. ``make test`` keeps this order (``--no-loadscope-reorder``; xdist would otherwise
    start the files with the most tests, all quick, and leave the few long ones for the end, where
    one worker then runs alone)."""
    items.sort(key=lambda item: item.get_closest_marker('heavy') is None)  # stable


def pytest_sessionstart(session):
    _AT_START.append(_resources())


def pytest_terminal_summary(terminalreporter):
    """Disk and memory before and after the run, printed even with -q: a full disk fails most
    tests that write a file (a checkpoint, a work dir) with errors that do not say so."""
    terminalreporter.write_line(f'resources at the start: {_AT_START[0] if _AT_START else "?"}')
    terminalreporter.write_line(f'resources at the end:   {_resources()}')


def tiny_config(tmp, kind, demo_root, hooks=(), extra='', images=4, workers=0, epochs=3):
    """Write a config inheriting the tiny SSL or detection config, shrunk further: 64 px
    images, ``images`` training images (None: all) in batches of 2, no validation, fixed
    seed and deterministic mode, tests/reliability_faults.py importable, ``hooks`` (config
    strings) as custom_hooks and ``extra`` appended. Run it with ``PYTHONPATH=tests``."""
    hooks = '[' + ', '.join(hooks) + ']'
    if kind == 'det':
        body = f"""
_base_ = {osp.join(ROOT, 'tests', 'configs', 'faster-rcnn_tiny_nyu-demo.py')!r}
train_pipeline = _base_.train_pipeline
train_pipeline[2].scale = (64, 64)
train_dataloader = dict(num_workers={workers}, persistent_workers=False,
                        dataset=dict(data_root={demo_root!r}, pipeline=train_pipeline,
                                     indices={images!r}))
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None
model = dict(train_cfg=dict(rpn_proposal=dict(nms_pre=200, max_per_img=50),
                            rcnn=dict(sampler=dict(num=32))))
custom_hooks = {hooks}
"""
    else:
        body = f"""
_base_ = {osp.join(ROOT, 'tests', 'configs', 'barlowtwins_tiny_nyu-demo.py')!r}
train_dataloader = dict(batch_size=2, num_workers={workers}, persistent_workers=False,
                        dataset=dict(data_root={demo_root!r}, max_images={images!r}))
custom_hooks = {hooks}
"""
    body += f"""
custom_imports = dict(imports=['custom_modules', 'reliability_faults'],
                      allow_failed_imports=False)
train_cfg = dict(max_epochs={epochs})
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0, deterministic=True)
{extra}
"""
    path = osp.join(tmp, f'{kind}_{len(os.listdir(tmp))}.py')
    with open(path, 'w') as f:
        f.write(body)
    return path


_TOOLS = []  # the fork server's client (tests/forkserver.py), made at the first tool run


def run_tool(*args, timeout=600, env=None, check=True, fresh=False):
    """Run a project tool as a user would, in a process of its own; return the CompletedProcess.

    ``python`` tools are forked from a Python that has the upstream imports done
    (tests/forkserver.py: ~0.5 s instead of ~6 s of CPU per start); ``fresh=True``, an
    environment that differs from the tests' in more than forkserver.PER_RUN_ENV, or
    ``TESTS_REAL_PROCESSES=1`` start a new interpreter instead, as other commands always do."""
    base_env = dict(os.environ, PYTHONWARNINGS='ignore')
    full_env = dict(base_env, **(env or {}))
    python = args[0].endswith('.py')
    argv = [sys.executable, *args] if python else list(args)
    proc = None
    if python and not fresh and os.environ.get('TESTS_REAL_PROCESSES') != '1':
        if not _TOOLS:
            from forkserver import Client

            _TOOLS.append(Client(base_env))
        served = _TOOLS[0].run(args, full_env, ROOT, timeout)
        if served is not None:
            returncode, out, err = served
            if returncode is None:
                raise subprocess.TimeoutExpired(argv, timeout, out, err)
            proc = subprocess.CompletedProcess(argv, returncode, out, err)
    if proc is None:
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              env=full_env)  # fmt: skip
    if check and proc.returncode != 0:
        raise AssertionError(
            f'{args} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}'
        )
    return proc


def pytest_sessionfinish(session):
    for client in _TOOLS:
        client.close()


MMDET_TOOLS = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools')


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory):
    """A tiny demo data set in the NYU layout (8 training, 4 validation, 6 unlabeled)."""
    out = tmp_path_factory.mktemp('demo')
    from tools.lib.drift import tiny_demo_data  # the data the drift test's losses are pinned on

    return tiny_demo_data(str(out))


def upstream(tool, *args, cwd):
    """Run one of mmdet's tools as a user outside this repository would; return its output."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(PYTHONWARNINGS='ignore', MPLBACKEND='Agg')
    proc = subprocess.run([sys.executable, osp.join(MMDET_TOOLS, tool), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, f'{tool}: {proc.stdout[-2000:]}\n{proc.stderr[-4000:]}'
    return proc.stdout + proc.stderr


def tensorboard_tags(work):
    """The scalar tags of the run's TensorBoard event file (TensorboardVisBackend)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (events,) = glob.glob(osp.join(work, '*', 'vis_data', 'events.out.tfevents.*'))
    acc = EventAccumulator(events)
    acc.Reload()
    return set(acc.Tags()['scalars'])


@pytest.fixture(scope='session')
def trained_det(demo_root, tmp_path_factory):
    """Two epochs of the tiny detector, the data given by --data-root alone (a real process):
    (work dir, the process's output). Shared by the tests of checkpoints and of the tools."""
    work = str(tmp_path_factory.mktemp('tiny_det'))
    proc = run_tool('tools/train.py', TINY_DET, '--work-dir', work, '--data-root', demo_root)
    return work, proc.stdout + proc.stderr
