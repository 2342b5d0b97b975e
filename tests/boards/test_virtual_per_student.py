"""In a hub every student's `%board connect virtual` is their own board.

Tried as a class would: two students' kernels (same data folder, as in the hub's demo
mode) connected `virtual` at once; the second was told "이 보드는 이미 사용 중이에요" by the
first student's lock, because both virtual boards had the same serial number.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

KERNEL = r'''
import sys
from youthlab.boards import registry
s = registry.connect("virtual", quiet=True)
s.exec("f = open('mine.txt', 'w'); f.write(%r); f.close()" % sys.argv[1])
print("READY", flush=True)
sys.stdin.readline()  # hold the board like a kernel does until told to stop
print("FILES", s.eval("open('mine.txt').read()"), flush=True)
registry.disconnect_all()
'''


def _kernel(user: str, data: str) -> subprocess.Popen:
    env = dict(os.environ, JUPYTERHUB_USER=user, YOUTHLAB_DATA_DIR=data, YOUTHLAB_LANG="en")
    return subprocess.Popen([sys.executable, "-c", KERNEL, user], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_students_each_get_their_own_virtual_board():
    data = tempfile.mkdtemp(prefix="yl-virtual-")
    first, second = _kernel("student1", data), _kernel("student2", data)
    try:
        for k in (first, second):
            line = k.stdout.readline()
            assert line.strip() == "READY", k.stderr.read()
        outs = []
        for k in (first, second):
            out, err = k.communicate("\n", timeout=60)
            assert k.returncode == 0, err
            outs.append(out)
        # each student's file is on their own board, not on a shared one
        assert "FILES student1" in outs[0] and "FILES student2" in outs[1]
    finally:
        for k in (first, second):
            if k.poll() is None:
                k.kill()
                k.wait()
