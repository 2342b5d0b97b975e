"""Jupyter's ■ (interrupt) in a real kernel stops a runaway %%board cell on the board."""

from __future__ import annotations

import time

import pytest


@pytest.mark.timeout(120)
def test_interrupt_button_stops_the_board_program(tmp_path):
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        def run(code: str, timeout: float = 30) -> tuple[str, dict]:
            msg_id = kc.execute(code)
            return collect(msg_id, timeout)

        def collect(msg_id: str, timeout: float) -> tuple[str, dict]:
            text = []
            deadline = time.monotonic() + timeout
            while True:
                msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    text.append(msg["content"]["text"])
                elif msg["msg_type"] in ("display_data", "execute_result"):
                    text.append(msg["content"]["data"].get("text/plain", ""))
                elif msg["msg_type"] == "error":
                    text.append("ERROR " + msg["content"]["ename"])
                elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return "".join(text), kc.get_shell_msg(timeout=10)["content"]

        out, reply = run("import os; os.environ['YOUTHLAB_LANG'] = 'en'\n"
                         "%load_ext youthlab.boards\n%board connect virtual:kernel")
        assert reply["status"] == "ok", out
        msg_id = kc.execute("%%board\ncount = 0\nprint('looping')\nwhile True:\n    count += 1")
        # Wait until the board runs the loop (its first output reached the cell).
        deadline = time.monotonic() + 30
        while True:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream"
                    and "looping" in msg["content"]["text"]):
                break
        t0 = time.monotonic()
        km.interrupt_kernel()  # what the ■ button does
        out, reply = collect(msg_id, 20)
        assert time.monotonic() - t0 < 5
        assert "Program stopped" in out and "Traceback" not in out, out
        out, reply = run("%%board\nprint('count > 0:', count > 0)")
        assert "count > 0: True" in out, out
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
