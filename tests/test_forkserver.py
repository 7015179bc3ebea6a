"""tests/forkserver.py: a tool forked from the pre-imported Python behaves as the same tool
started as a new interpreter (what conftest.run_tool relies on)."""

import os
import subprocess
import sys

import pytest
from conftest import ROOT
from forkserver import Client

SCRIPT = """
import atexit, os, signal, sys, threading, time
import helper_on_pythonpath
atexit.register(lambda: print('atexit ran'))
threading.Thread(target=lambda: (time.sleep(0.2), print('thread joined'))).start()
print('argv', sys.argv[1:], 'cwd', os.getcwd(), 'path0', sys.path[0] == os.path.dirname(__file__))
print('name', __name__, 'env', os.environ.get('FORKED_TEST'))
sys.stdout.flush()
os.write(1, b'fd 1\\n')
os.write(2, b'fd 2\\n')
how = sys.argv[1]
if how == 'exit3':
    sys.exit(3)
if how == 'message':
    sys.exit('a message')
if how == 'raise':
    raise ValueError('boom')
if how == 'kill':
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture(scope='module')
def client():
    c = Client(dict(os.environ, PYTHONWARNINGS='ignore', FORKED_TEST='1'))
    yield c
    c.close()


@pytest.mark.parametrize('how', ['ok', 'exit3', 'message', 'raise', 'kill'])
def test_a_forked_tool_behaves_as_a_new_interpreter(how, client, tmp_path):
    script, lib = tmp_path / 'tool.py', tmp_path / 'lib'
    script.write_text(SCRIPT)
    lib.mkdir()
    (lib / 'helper_on_pythonpath.py').write_text('')
    env = dict(client.env, PYTHONPATH=str(lib))
    real = subprocess.run([sys.executable, str(script), how], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    forked = client.run([str(script), how], env, ROOT, 120)
    assert forked is not None, 'the fork server did not serve the request'
    code, out, err = forked
    assert code == real.returncode
    assert out.splitlines() == real.stdout.splitlines()
    # the traceback names the same error; file paths and the frames above the script differ
    assert [ln for ln in err.splitlines() if not ln.startswith(' ')][-2:] == [
        ln for ln in real.stderr.splitlines() if not ln.startswith(' ')
    ][-2:]


def test_a_request_in_another_environment_is_not_served(client):
    assert client.run(['-'], dict(client.env, MKL_NUM_THREADS='3'), ROOT, 10) is None
    assert client.serves(dict(client.env, PORT='12345'))
