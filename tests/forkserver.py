"""A Python with the heavy third-party imports done, that forks one child per tool run.

A project tool's process spends ~6 s of CPU importing torch, torchvision, mmcv, mmengine and
mmdet before it does anything, and the suite starts many of them (the reliability fixtures
alone, eight). ``conftest.run_tool`` sends each ``python tools/X.py ...`` here instead; the
server forks, and the child runs the tool as ``python`` would run the script:

- the tool's own directory first on ``sys.path``, then the request's ``PYTHONPATH``;
  ``sys.argv``, the working directory and the environment of the request;
- stdin from /dev/null, stdout and stderr (file descriptors 1 and 2, so C output too) to files;
- ``SystemExit`` codes, uncaught exceptions (``sys.excepthook``), non-daemon threads joined,
  ``atexit`` handlers run, then the exit status (a signal's death shows as ``-signal``).

Our own code is imported by the child, fresh: the preloaded modules are upstream ones that a
real start imports before ``custom_modules`` applies its patches (the patches must come first
for ``mmpretrain.models`` and ``mmdet.models``, which stay out of ``PRELOAD``). What a child
cannot differ in from its siblings, a real process can: the interpreter's hash seed and what
its imports read from the environment. ``conftest.run_tool`` therefore starts a real process
where the request's environment differs from the server's beyond ``PER_RUN_ENV``, where a test
asks for one (``fresh=True``: the reference run of the determinism checks) and everywhere with
``TESTS_REAL_PROCESSES=1``.

Protocol on the server's stdin/stdout: pickles, each preceded by its length (8 bytes).
"""

import atexit
import os
import pickle
import runpy
import struct
import sys
import threading
import time

PRELOAD = (
    'torch',
    'torchvision',
    'mmcv.ops',
    'mmengine.runner',
    'mmdet.datasets',
    'mmdet.evaluation',
    'scipy.stats',
    'pycocotools.coco',
)
# what a request's environment may set differently from the server's (read at run time only;
# pytest sets PYTEST_CURRENT_TEST for each test)
PER_RUN_ENV = ('PYTHONPATH', 'PORT', 'MASTER_PORT', 'PYTEST_CURRENT_TEST')


def send(stream, obj):
    data = pickle.dumps(obj)
    stream.write(struct.pack('<Q', len(data)) + data)
    stream.flush()


def receive(stream):
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack('<Q', head)
    return pickle.loads(stream.read(size))


def _exit_code(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _child(req, base_path):
    """Run one tool as ``python TOOL ARGS`` would; never returns."""
    code = 1
    try:
        os.chdir(req['cwd'])
        os.environ.clear()
        os.environ.update(req['env'])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, req['stdout']), (2, req['stderr'])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
        script = os.path.abspath(req['argv'][0])
        extra = [p for p in req['env'].get('PYTHONPATH', '').split(os.pathsep) if p]
        sys.path[:] = [os.path.dirname(script), *extra, *base_path]
        sys.argv = list(req['argv'])
        import random

        random.seed()  # a fresh process draws its seeds from the OS
        if 'numpy' in sys.modules:
            sys.modules['numpy'].random.seed()
        try:
            runpy.run_path(script, run_name='__main__')
            code = 0
        except SystemExit as e:
            code = _exit_code(e.code)
        except BaseException:
            sys.excepthook(*sys.exc_info())
            code = 1
        threading._shutdown()  # as the interpreter does at exit: join non-daemon threads
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def _wait(pid, timeout):
    """The child's exit code (-signal when a signal ended it), or None after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.02)


class Client:
    """The test side: one server per test process, started at the first request.

    ``run`` returns ``(returncode, stdout, stderr)``, ``returncode`` None after ``timeout``
    seconds, or None where the server cannot serve the request (then start a real process).
    """

    def __init__(self, env):
        self.env, self.proc, self.failed = dict(env), None, False
        self.tmp = None

    def serves(self, env):
        keys = set(env) | set(self.env)
        return not self.failed and all(
            env.get(k) == self.env.get(k) for k in keys if k not in PER_RUN_ENV
        )

    def _start(self):
        import subprocess
        import tempfile

        self.tmp = tempfile.mkdtemp(prefix='forkserver-')
        log = open(os.path.join(self.tmp, 'server.log'), 'wb')
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=self.env,
        )
        if receive(self.proc.stdout) is None:
            raise RuntimeError('the fork server did not start')

    def run(self, argv, env, cwd, timeout):
        if not self.serves(env):
            return None
        try:
            if self.proc is None:
                self._start()
            out, err = (os.path.join(self.tmp, f) for f in ('stdout', 'stderr'))
            request = dict(argv=list(argv), env=env, cwd=cwd, timeout=timeout)
            send(self.proc.stdin, dict(request, stdout=out, stderr=err))
            reply = receive(self.proc.stdout)
            if reply is None:
                raise RuntimeError('the fork server ended')
        except (OSError, RuntimeError) as e:
            self.failed = True  # every later run in a real process
            print(f'fork server unavailable ({e}); real processes from now on', file=sys.stderr)
            return None
        text = []
        for path in (out, err):
            with open(path, encoding='utf-8', errors='replace') as f:
                text.append(f.read())
        return reply['returncode'], *text

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        if self.tmp is not None:
            import shutil

            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    requests = os.fdopen(os.dup(0), 'rb')
    replies = os.fdopen(os.dup(1), 'wb')
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)  # whatever the imports print goes to the server's log
    for name in PRELOAD:
        __import__(name)
    base_path = sys.path[1:]  # without this file's directory
    send(replies, dict(ready=os.getpid()))
    while (req := receive(requests)) is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            requests.close()
            replies.close()
            _child(req, base_path)
        send(replies, dict(returncode=_wait(pid, req['timeout'])))


if __name__ == '__main__':
    main()
