"""A student's or teacher's quota reached (EDQUOT) during a submission or autograde's
report: the same clear ko/en error as a full disk, and nothing saved before is lost.

User quotas cannot be switched on here (this kernel's tmpfs has no ``usrquota`` and the
machine no quota tools), so the file system's answer is made by its errno: in the
``nbgrader submit`` process a ``sitecustomize`` makes every write under the exchange's
inbound folder fail with EDQUOT, the way a file system over the student's quota does.
"""

from __future__ import annotations

import errno
import os
import time

import nbformat
import pytest

from tests.core.submitting import notebook, student_ready_to_submit

QUOTA_HOOK = '''
import errno, os, shutil
_limit = os.environ.get("YLT_QUOTA_UNDER")
if _limit:
    _real = shutil.copyfileobj

    def _over_quota(fsrc, fdst, *args, **kwargs):
        if getattr(fdst, "name", "").startswith(_limit):
            raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))
        return _real(fsrc, fdst, *args, **kwargs)

    shutil.copyfileobj = _over_quota
    _sendfile = getattr(shutil, "_fastcopy_sendfile", None)
    if _sendfile:
        def _no_sendfile(fsrc, fdst):
            if getattr(fdst, "name", "").startswith(_limit):
                raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))
            return _sendfile(fsrc, fdst)
        shutil._fastcopy_sendfile = _no_sendfile
'''


@pytest.mark.timeout(300)
def test_a_quota_reached_during_a_submission_keeps_the_last_complete_submission(tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(QUOTA_HOOK)
    student = student_ready_to_submit(tmp_path / "exchange", tmp_path / "student1", PYTHONPATH=str(hook))

    r = student.submit("en")
    assert r.returncode == 0, r.stdout + r.stderr
    (first,) = student.inbound.iterdir()
    kept = {p.name: p.read_bytes() for p in first.iterdir()}
    student.work.write_text(nbformat.writes(notebook(5000)))  # the student works on
    for lang, text in (("en", "The disk is full"), ("ko", "디스크가 가득 찼어요")):
        time.sleep(1.1)  # a new timestamp, as a later click would have
        r = student.submit(lang, YLT_QUOTA_UNDER=str(student.inbound))
        assert r.returncode != 0 and text in r.stdout + r.stderr, r.stdout + r.stderr
        assert "Traceback" not in r.stdout + r.stderr
        assert [p.name for p in student.inbound.iterdir()] == [first.name]  # no half entry
        assert {p.name: p.read_bytes() for p in first.iterdir()} == kept


def test_a_quota_reached_while_autograde_saves_its_report_keeps_the_last_report(tmp_path, monkeypatch):
    from youthlab.grading import autograde
    from youthlab.grading.autograde import AutogradeReport, GradebookDiskFull

    class Course:
        root = tmp_path

    first = AutogradeReport(lab="lab1", graded=["ana"])
    path = first.save(Course)
    before = path.read_bytes()

    def over_quota(self, *args, **kwargs):
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))

    monkeypatch.setattr(autograde.Path, "write_text", over_quota)
    with pytest.raises(GradebookDiskFull) as err:
        AutogradeReport(lab="lab1", graded=["ana", "bo"]).save(Course)
    assert "디스크가 가득 찼어요" in err.value.message("ko") and "The disk is full" in err.value.message("en")
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file left
