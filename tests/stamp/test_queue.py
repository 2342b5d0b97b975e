"""Print queue: fair order (unit, in-process printers) and a real OctoPrint with its Virtual
Printer (e2e: upload, running job, progress, cancel, refusal outside test mode)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port
from youthlab.stamp.errors import PrinterBusy, PrinterError, UnknownPrinter, VirtualPrinterRefused
from youthlab.stamp.queue import (JobProgress, OctoPrintClient, PrintQueue, get_printer, load_printers,
                                  send_to_printer, watch)


class HallPrinter:
    """An in-process stand-in printer that prints instantly when told to finish()."""

    def __init__(self, name: str, virtual: bool = False) -> None:
        self.name, self.virtual, self.current, self.printed = name, virtual, None, []

    def is_ready(self) -> bool:
        return self.current is None

    def is_virtual(self) -> bool:
        return self.virtual

    def job(self) -> JobProgress:
        return JobProgress("Printing" if self.current else "Operational", self.current, 50.0 if self.current else None, 1, 1)

    def upload(self, gcode, select=True, print_=False, remote_name=None):
        self.current = remote_name
        self.printed.append(remote_name)
        return {}

    def cancel(self) -> None:
        self.current = None

    def finish(self) -> None:
        self.current = None


def test_fair_round_robin_by_owner(tmp_path):
    g = tmp_path / "a.gcode"
    g.write_text("G28\n")
    q = PrintQueue([HallPrinter("p1"), HallPrinter("p2")], test_mode=False)
    jobs = [q.submit(o, g) for o in ["alice", "alice", "alice", "bob", "chris", "bob"]]
    assert [j.owner for j in q.order()] == ["alice", "bob", "chris", "alice", "bob", "alice"]
    started = q.dispatch()
    assert [(j.owner, j.printer) for j in started] == [("alice", "p1"), ("bob", "p2")]
    assert q.dispatch() == []  # both busy
    q.printers["p1"].finish()
    assert q.poll() == [jobs[0]] and jobs[0].status == "done"
    assert [j.owner for j in q.dispatch()] == ["chris"]
    q.cancel(jobs[2].id)  # alice's third job, still waiting
    assert [j.owner for j in q.order()] == ["alice", "bob"]
    q.cancel(jobs[3].id)  # bob's first job, printing on p2
    assert q.printers["p2"].current is None and jobs[3].status == "cancelled"


def test_queue_skips_virtual_printers_unless_test_mode(tmp_path):
    g = tmp_path / "a.gcode"
    g.write_text("G28\n")
    virt, real = HallPrinter("virt", virtual=True), HallPrinter("real")
    q = PrintQueue([virt, real], test_mode=False)
    q.submit("a", g), q.submit("b", g)
    assert [j.printer for j in q.dispatch()] == ["real"]
    assert virt.printed == []
    q2 = PrintQueue([HallPrinter("virt", virtual=True)], test_mode=True)
    q2.submit("a", g)
    assert [j.printer for j in q2.dispatch()] == ["virt"]


def test_printer_config_keys_from_env(tmp_path, monkeypatch):
    cfg = tmp_path / "printers.yaml"
    cfg.write_text("printers:\n  hall-1: {url: 'http://127.0.0.1:1', api_key_env: TEST_KEY_X}\n")
    monkeypatch.setenv("TEST_KEY_X", "abc")
    assert load_printers(cfg)["hall-1"].api_key == "abc"
    with pytest.raises(UnknownPrinter) as e:
        get_printer("hall-9", cfg)
    assert "hall-1" in e.value.hint("en")
    # the repository's printers.yaml has no secrets in it
    assert all(p.api_key is None or p.api_key for p in load_printers().values())
    assert "api_key:" not in (Path(__file__).parents[2] / "hardware/printers/printers.yaml").read_text()


def test_unreachable_printer_is_a_clear_error():
    c = OctoPrintClient(f"http://127.0.0.1:{free_port()}", "k", name="hall-x", timeout=2)
    with pytest.raises(PrinterError) as e:
        c.job()
    assert "hall-x" in e.value.message("ko") and e.value.hint("ko")


# -- a real OctoPrint ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def octoprint(tmp_path_factory):
    from tests.stamp.octoprint_env import octoprint_server

    with octoprint_server(tmp_path_factory.mktemp("octoprint"), free_port()) as (url, key):
        yield url, key


@pytest.fixture(scope="module")
def gcode(tmp_path_factory):
    if shutil.which("prusa-slicer") is None:
        pytest.skip("prusa-slicer not installed")
    from youthlab.stamp.compose import text_stamp
    from youthlab.stamp.slicer import slice_stamp

    return slice_stamp(text_stamp("우체국", 10), out=tmp_path_factory.mktemp("g") / "우체국.gcode").gcode


def _files(url, key):
    r = requests.get(f"{url}/api/files/local", headers={"X-Api-Key": key}, timeout=5)
    return {f["name"] for f in r.json()["files"]}


@pytest.mark.slow
@pytest.mark.e2e
def test_octoprint_virtual_printer_receives_and_prints(octoprint, gcode):
    url, key = octoprint
    client = OctoPrintClient(url, key, name="hall-test")
    assert client.version()["server"] == "1.11.8"
    assert client.is_virtual()

    # outside test mode the Virtual Printer is refused, and says so — nothing is uploaded
    with pytest.raises(VirtualPrinterRefused) as e:
        send_to_printer(gcode, client, test_mode=False, remote_name="refused.gcode")
    assert "Virtual Printer" in e.value.message("en") and "가상 프린터" in e.value.message("ko")
    assert "refused.gcode" not in _files(url, key)

    p = send_to_printer(gcode, client, test_mode=True, remote_name="stamp-e2e.gcode")
    assert "stamp-e2e.gcode" in _files(url, key)
    p = watch(client, lambda p: p.state == "Printing" and (p.completion or 0) > 0, timeout=30, interval=0.5)
    assert p.state == "Printing" and p.file == "stamp-e2e.gcode" and p.completion > 0

    with pytest.raises(PrinterBusy):  # one job at a time per printer
        send_to_printer(gcode, client, test_mode=True, remote_name="second.gcode")

    client.cancel()
    p = watch(client, lambda p: not p.printing, timeout=60, interval=0.5)
    assert p.state.startswith("Operational")

    bad = OctoPrintClient(url, "WRONGKEY", name="hall-test")
    with pytest.raises(PrinterError) as e:
        bad.upload(gcode)
    assert "API key" in e.value.message("en")
    with pytest.raises(PrinterError) as e:
        bad.job()
    assert "API key" in e.value.message("en")


@pytest.mark.slow
@pytest.mark.e2e
def test_fair_queue_on_real_octoprint(octoprint, gcode):
    url, key = octoprint
    client = OctoPrintClient(url, key, name="hall-1")
    watch(client, lambda p: not p.printing, timeout=60, interval=0.5)
    q = PrintQueue([client], test_mode=True)
    a1, a2, b1 = q.submit("alice", gcode), q.submit("alice", gcode), q.submit("bob", gcode)
    assert [j.id for j in q.dispatch()] == [a1.id]
    assert q.dispatch() == []  # the printer is busy now
    watch(client, lambda p: p.state == "Printing", timeout=30, interval=0.5)
    q.cancel(a1.id)
    watch(client, lambda p: not p.printing, timeout=60, interval=0.5)
    started = q.dispatch()
    assert [j.id for j in started] == [b1.id]  # bob before alice's second stamp
    assert client.job().file == b1.remote_name
    q.cancel(b1.id)
    watch(client, lambda p: not p.printing, timeout=60, interval=0.5)
    assert a2.status == "queued"


@pytest.mark.slow
@pytest.mark.e2e
def test_cli_print_to_octoprint(octoprint, tmp_path):
    """`youthlab stamp print stamp.stl --printer …`: slices, refuses the Virtual Printer, and
    with --test-mode sends the job (API key from the environment, as in the hall)."""
    import os
    import subprocess
    import sys

    if shutil.which("prusa-slicer") is None:
        pytest.skip("prusa-slicer not installed")
    url, key = octoprint
    client = OctoPrintClient(url, key)
    watch(client, lambda p: not p.printing, timeout=60, interval=0.5)
    cfg = tmp_path / "printers.yaml"
    cfg.write_text(f"printers:\n  hall-t: {{url: '{url}', api_key_env: HALL_T_KEY}}\n")
    env = dict(os.environ, YOUTHLAB_PRINTERS=str(cfg), HALL_T_KEY=key, YOUTHLAB_LANG="en")
    env.pop("YOUTHLAB_STAMP_TEST_MODE", None)
    cli = [sys.executable, "-m", "youthlab.cli", "stamp"]
    subprocess.run([*cli, "text", "POST", "--size", "8", "-o", "post.stl"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    r = subprocess.run([*cli, "print", "post.stl", "--printer", "hall-t"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Virtual Printer" in r.stderr, r.stderr
    r = subprocess.run([*cli, "print", "post.stl", "--printer", "hall-t", "--test-mode"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Sent 'post.gcode'" in r.stdout
    p = watch(client, lambda p: p.state == "Printing", timeout=30, interval=0.5)
    assert p.state == "Printing" and p.file == "post.gcode"
    r = subprocess.run([*cli, "cancel", "--printer", "hall-t"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0
    assert not watch(client, lambda p: not p.printing, timeout=60, interval=0.5).printing


def test_queue_state_is_shared_through_its_file(tmp_path):
    """A teacher adds jobs from one process; the runner (another PrintQueue on the same
    file) sees them, keeps the fair order, and the state survives a restart."""
    g = tmp_path / "a.gcode"
    g.write_text("G28\n")
    state = tmp_path / "queue.json"
    teacher = PrintQueue([], state_path=state)
    for owner in ["alice", "alice", "bob"]:
        teacher.submit(owner, g)
    p1 = HallPrinter("p1")
    runner = PrintQueue([p1], test_mode=False, state_path=state)
    assert [j.owner for j in runner.order()] == ["alice", "bob", "alice"]
    assert [j.id for j in runner.dispatch()] == [1]
    teacher.submit("chris", g)  # while alice's first stamp prints
    p1.finish()
    assert [j.id for j in runner.poll()] == [1]
    assert [j.owner for j in runner.dispatch()] == ["bob"]
    restarted = PrintQueue([HallPrinter("p1")], state_path=state)
    assert [j.owner for j in restarted.order()] == ["alice", "chris"]
    assert [j.status for j in restarted.status()] == ["done", "queued", "printing", "queued"]
    restarted.cancel(4)
    assert [j.owner for j in PrintQueue([], state_path=state).order()] == ["alice"]


def test_run_loop_dispatches_until_stopped(tmp_path):
    import threading

    g = tmp_path / "a.gcode"
    g.write_text("G28\n")
    p = HallPrinter("p1")
    q = PrintQueue([p], test_mode=False)
    q.submit("a", g)
    stop = threading.Event()
    seen = []
    t = threading.Thread(target=q.run, args=(stop, 0.05), kwargs={"on_change": seen.append})
    t.start()
    try:
        for _ in range(100):
            if seen:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        t.join(5)
    assert seen and seen[0].status == "printing" and p.current == seen[0].remote_name


@pytest.mark.slow
@pytest.mark.e2e
def test_cli_queue_to_octoprint(octoprint, tmp_path, gcode):
    """`youthlab stamp queue add/list/run --once`: the shared queue file, fair order, and a
    real (virtual) printer getting the first student's job."""
    import os
    import subprocess
    import sys

    url, key = octoprint
    client = OctoPrintClient(url, key)
    watch(client, lambda p: not p.printing, timeout=60, interval=0.5)
    cfg = tmp_path / "printers.yaml"
    cfg.write_text(f"printers:\n  hall-q: {{url: '{url}', api_key: '{key}'}}\n")
    env = dict(os.environ, YOUTHLAB_PRINTERS=str(cfg), YOUTHLAB_DATA_DIR=str(tmp_path / "var"), YOUTHLAB_LANG="en")
    env.pop("YOUTHLAB_STAMP_TEST_MODE", None)
    cli = [sys.executable, "-m", "youthlab.cli", "stamp", "queue"]

    def run(*args):
        r = subprocess.run([*cli, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r.stdout

    for owner in ["minsu", "minsu", "jiwoo"]:
        run("add", str(gcode), "--owner", owner)
    listing = run("list").splitlines()
    assert [ln.split()[3] for ln in listing] == ["#1", "#3", "#2"]
    assert run("run", "--once") == ""  # Virtual Printer: refused outside test mode
    out = run("run", "--once", "--test-mode")
    assert "minsu" in out and "printing" in out and "hall-q" in out
    p = watch(client, lambda p: p.state == "Printing", timeout=30, interval=0.5)
    assert p.file.startswith("0001-minsu-")
    run("cancel", "1")
    watch(client, lambda p: not p.printing, timeout=60, interval=0.5)
    out = run("run", "--once", "--test-mode")
    assert "jiwoo" in out and "printing" in out  # jiwoo before minsu's second stamp
    run("cancel", "3")
    watch(client, lambda p: not p.printing, timeout=60, interval=0.5)
