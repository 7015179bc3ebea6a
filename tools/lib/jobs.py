"""Running a matrix's runs: their commands, their logs, a scheduler and its progress line.

A run is a job dict of ``tools.lib.spec.plan``. ``train`` and ``test`` skip what is done (the
last checkpoint exists; ``test/metrics.json`` is newer than it) and resume an interrupted
training (a ``last_checkpoint`` without the last checkpoint); ``schedule`` runs jobs on
threads, each fine-tune after its pretraining run.
"""

import os
import os.path as osp
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

from .config import ROOT, stem
from .results import write_provenance
from .spec import cfg_options, describe, write_job_config

PY = sys.executable
_PRINT = threading.Lock()


@dataclass(frozen=True)
class Launcher:
    """How a run's processes start.

    Args:
        kind (str): ``'none'`` (one process, ``tools/train.py``), ``'pytorch'``
            (``tools/dist_*.sh``) or ``'slurm'`` (``tools/slurm_*.sh``, needs ``partition``).
        gpus (int): Processes per run (pytorch, slurm).
        partition (str, optional): The Slurm partition.
    """

    kind: str = 'none'
    gpus: int = 1
    partition: Optional[str] = None

    def env(self) -> dict:
        """Variables the run's commands need besides ours: ``GPUS`` for the Slurm scripts."""
        return {'GPUS': str(self.gpus)} if self.kind == 'slurm' else {}

    def train_cmd(self, config: str, work: str, opts: dict, resume: bool) -> list:
        """The command line that trains ``config`` into ``work`` with ``--cfg-options opts``."""
        extra = ['--work-dir', work] + (['--resume'] if resume else []) + cfg_options(opts)
        if self.kind == 'pytorch':
            return ['bash', 'tools/dist_train.sh', config, str(self.gpus)] + extra
        if self.kind == 'slurm':
            return ['bash', 'tools/slurm_train.sh', self._partition(), stem(config), config,
                    work] + extra[2:]  # fmt: skip
        return [PY, 'tools/train.py', config] + extra

    def test_cmd(self, config: str, ckpt: str, work: str, opts: dict) -> list:
        """The command line that tests ``ckpt`` into ``work/test`` (metrics and predictions)."""
        test_dir = osp.join(work, 'test')
        extra = ['--work-dir', test_dir, '--outfile-prefix', osp.join(test_dir, 'predictions')]
        extra += cfg_options(opts)
        if self.kind == 'pytorch':
            return ['bash', 'tools/dist_test.sh', config, ckpt, str(self.gpus)] + extra
        if self.kind == 'slurm':
            return ['bash', 'tools/slurm_test.sh', self._partition(), stem(config), config,
                    ckpt] + extra  # fmt: skip
        return [PY, 'tools/test.py', config, ckpt] + extra

    def _partition(self) -> str:
        if not self.partition:
            raise SystemExit('--launcher slurm needs --partition')
        return self.partition


def say(text: str, tag: str = '', file=None):
    """Print whole lines, each prefixed with ``tag`` (the run's, when several run at once);
    safe from several threads."""
    with _PRINT:
        for line in text.split('\n'):
            print(tag + line, file=file or sys.stdout, flush=True)


def run(cmd: list, log: str, dry: bool = False, tag: str = '', env: Optional[dict] = None) -> int:
    """Run one command in the repository root, echoing one line per epoch (and the k-NN and
    mAP lines, and the last 40 lines on failure); the full output is appended to ``log``.

    Args:
        cmd (list[str]): The command.
        log (str): The log file (its folder is made).
        dry (bool): Print the command only.
        tag (str): Prefix of every printed line.
        env (dict, optional): Variables set for the command on top of this process's (which
            are not changed: runs on other threads see their own).

    Returns:
        int: The exit status (0 for a dry run).
    """
    say('$ ' + ' '.join(cmd), tag)
    if dry:
        return 0
    os.makedirs(osp.dirname(log), exist_ok=True)
    full_env = dict(os.environ, PYTHONWARNINGS='ignore', **(env or {}))
    last_epoch, tail = None, []
    with open(log, 'a') as f, subprocess.Popen(cmd, cwd=ROOT, env=full_env, text=True,
                                              stdout=subprocess.PIPE,
                                              stderr=subprocess.STDOUT) as proc:  # fmt: skip
        f.write('$ ' + ' '.join(cmd) + '\n')
        for line in proc.stdout:
            f.write(line)
            tail = (tail + [line])[-40:]
            m = re.search(r'Epoch\(train\)\s*\[(\d+)\]', line)
            if m and m[1] != last_epoch:
                last_epoch = m[1]
                say('   ' + re.sub(r'^.* - mmengine - INFO - ', '', line.rstrip())[:150], tag)
            elif re.search(r'k-NN probe|coco/bbox_mAP:|bbox_mAP\s*:', line):
                say('   ' + re.sub(r'^.* - mmengine - INFO - ', '', line.rstrip())[:150], tag)
    if proc.returncode != 0:
        say(''.join(tail).rstrip('\n'), tag, sys.stderr)
        say(f'failed (exit {proc.returncode}); full log: {log}', tag, sys.stderr)
    return proc.returncode


def train(job: dict, launcher: Launcher = Launcher(), dry: bool = False, tag: str = '') -> bool:
    """Train one run unless its last checkpoint exists; resume an interrupted one. Adds the
    training's seconds to ``<work_dir>/train_seconds`` (summed over interruptions); a run
    started afresh first writes ``<work_dir>/provenance.json`` (``write_provenance``).

    The run trains the config ``write_job_config`` writes into its work dir (the options and
    the label fraction in it, no ``--cfg-options``).

    Args:
        job (dict): Its ``config``, ``work_dir``, ``checkpoint`` and ``options``.
        launcher (Launcher): How to start it.
        dry (bool): Print the command only.
        tag (str): Prefix of every printed line.

    Returns:
        bool: Whether its last checkpoint is there now (True for a dry run).
    """
    work, ckpt = job['work_dir'], job['checkpoint']
    if osp.isfile(osp.join(ROOT, ckpt)):
        say(f'   done before: {ckpt}', tag)
        return True
    resume = osp.isfile(osp.join(ROOT, work, 'last_checkpoint'))
    if resume:
        say(f'   resuming the interrupted run in {work}', tag)
    if not resume:
        write_provenance(osp.join(ROOT, work))
    start = time.time()
    rc = run(launcher.train_cmd(write_job_config(job, not dry), work, {}, resume),
             osp.join(ROOT, work, 'run_matrix.log'), dry, tag, launcher.env())  # fmt: skip
    if dry:
        return True
    if rc != 0 or not osp.isfile(osp.join(ROOT, ckpt)):
        say(f'   no {ckpt}: training failed', tag, sys.stderr)
        return False
    seconds_file = osp.join(ROOT, work, 'train_seconds')
    before = float(open(seconds_file).read()) if resume and osp.isfile(seconds_file) else 0.0
    with open(seconds_file, 'w') as f:
        f.write(f'{before + time.time() - start:.1f}\n')
    return True


def test(job: dict, launcher: Launcher = Launcher(), dry: bool = False, tag: str = '') -> bool:
    """Test a trained detector (``tools/test.py``) unless its ``test/metrics.json`` is newer
    than its checkpoint, with the config its training wrote (``write_job_config``; made again
    when missing). Arguments as ``train``.

    Returns:
        bool: Whether its ``test/metrics.json`` is there (True for a dry run).
    """
    work, ckpt = job['work_dir'], job['checkpoint']
    metrics = osp.join(ROOT, work, 'test', 'metrics.json')
    if osp.isfile(metrics) and osp.getmtime(metrics) > osp.getmtime(osp.join(ROOT, ckpt)):
        say(f'   tested before: {osp.relpath(metrics, ROOT)}', tag)
        return True
    rc = run(launcher.test_cmd(write_job_config(job, not dry), ckpt, work, {}),
             osp.join(ROOT, work, 'test', 'run_matrix.log'), dry, tag, launcher.env())  # fmt: skip
    return rc == 0 and (dry or osp.isfile(metrics))


def producers(jobs: list) -> dict:
    """{checkpoint: index} of the pretraining jobs: which job a fine-tune's ``needs`` waits for."""
    return {j['checkpoint']: k for k, j in enumerate(jobs) if j['kind'] == 'pretraining'}


class Progress:
    """Prints which run starts, the time so far and an estimate of the time left.

    Args:
        jobs (list[dict]): The runs (a job's ``minutes``, from the spec, is its first estimate).
        parallel (int): Runs at once.
    """

    def __init__(self, jobs: list, parallel: int = 1):
        self.jobs, self.parallel, self.t0 = jobs, parallel, time.time()
        self.done, self.finished, self.started = [], set(), {}
        self.producer = producers(jobs)

    def start(self, i: int, what: str):
        """Job ``i`` starts: print ``== [i+1/N] what (clock, minutes so far, ~minutes left)``."""
        self.started[i] = time.time()
        left = self._eta()
        eta = f', ~{left / 60:.0f} min left' if left is not None else ''
        say(
            f'\n== [{i + 1}/{len(self.jobs)}] {what} '
            f'({time.strftime("%H:%M:%S")}, {(time.time() - self.t0) / 60:.1f} min so far{eta})'
        )

    def finish(self, i: int, seconds, fresh: bool):
        """``fresh``: it trained now (runs done before say nothing about the time left)."""
        self.finished.add(i)
        if fresh:
            self.done.append((self.jobs[i]['config'], seconds))

    def _estimate(self, job: dict):
        """A run's seconds: the mean of the finished runs of its config, else the spec's
        ``minutes``, else the mean of all finished runs (None: no idea yet)."""
        same = [s for c, s in self.done if c == job['config']]
        every = [s for _, s in self.done]
        if same:
            return sum(same) / len(same)
        if job.get('minutes'):
            return 60 * job['minutes']
        return sum(every) / len(every) if every else None

    def _eta(self):
        """Seconds left: the remaining work spread over ``parallel`` slots, but never less than
        the longest chain (a pretraining run, then a fine-tune from it)."""
        left = {}
        for k, job in enumerate(self.jobs):
            if k in self.finished:
                continue
            est = self._estimate(job)
            if est is None:
                return None
            left[k] = max(0.0, est - (time.time() - self.started.get(k, time.time())))
        chains = [v + left.get(self.producer.get(self.jobs[k].get('needs')), 0.0)
                  for k, v in left.items()]  # fmt: skip
        return max(sum(left.values()) / self.parallel, max(chains, default=0.0))


def run_job(jobs: list, i: int, progress: Progress, launcher: Launcher = Launcher(),
            dry: bool = False, tag: str = '') -> bool:  # fmt: skip
    """Train (and for a detector, test) ``jobs[i]``, reporting to ``progress``.

    Returns:
        bool: False when it failed, or was skipped because its pretraining checkpoint is
        missing.
    """
    job = jobs[i]
    progress.start(i, describe(job))
    if job.get('needs') and not dry and not osp.isfile(osp.join(ROOT, job['needs'])):
        say(f'   skipped: its pretraining checkpoint {job["needs"]} is missing', tag)
        progress.finish(i, None, False)
        return False
    start, fresh = time.time(), not osp.isfile(osp.join(ROOT, job['checkpoint']))
    ok = train(job, launcher, dry, tag) and (
        job['kind'] == 'pretraining' or test(job, launcher, dry, tag)
    )
    progress.finish(i, time.time() - start, fresh and not dry)
    return ok


def schedule(jobs: list, slots: int, run_one: Callable[[int], bool]) -> list:
    """Run every job, up to ``slots`` at once, each on a thread; a job that ``needs`` a
    pretraining job of the list starts after it has finished. With several slots the
    pretraining jobs go first (they unblock the fine-tunes); with one, the list's order.

    Args:
        jobs (list[dict]): The runs.
        slots (int): Runs at once (at least 1).
        run_one (callable): ``run_one(k) -> bool`` runs ``jobs[k]``; an exception counts as a
            failure and is printed.

    Returns:
        list[int]: The indices of the jobs that failed, in order.
    """
    producer = producers(jobs)
    pending = list(range(len(jobs)))
    if slots > 1:
        pending.sort(key=lambda k: (jobs[k]['kind'] != 'pretraining', k))
    results, running, cond = {}, {}, threading.Condition()

    def work(k):
        try:
            ok = run_one(k)
        except Exception as e:  # a bug in one run's bookkeeping must not hang the others
            say(f'[{k + 1}] error: {e!r}', file=sys.stderr)
            ok = False
        with cond:
            results[k] = ok
            cond.notify()

    with cond:
        while pending or running:
            for k in list(pending):
                if len(running) >= max(1, slots):
                    break
                dep = producer.get(jobs[k].get('needs'))
                if dep is not None and dep not in results:
                    continue  # its pretraining has not finished yet
                pending.remove(k)
                running[k] = threading.Thread(target=work, args=(k,), daemon=True)
                running[k].start()
            cond.wait_for(lambda: any(k in results for k in running))
            for k in [k for k in running if k in results]:
                running.pop(k).join()
    return [k for k in sorted(results) if not results[k]]
