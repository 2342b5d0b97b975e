"""nbgrader's Execute step, hardened for students' code (used by the autograde workers).

- A cell that ignores the interrupt (a C loop such as ``sum(range(10**12))``, a loop that
  ignores SIGINT) or a kernel that dies (memory or CPU limit, ``os._exit``) costs that cell:
  the kernel (every process of the sandbox user) is killed, a fresh one runs the remaining
  cells, and the cell gets an error output saying why. Without this, nbclient gives up
  on the whole submission (or waits for ever).
- Output is capped per cell (a 50 MB ``print`` must not blow up the notebook, the gradebook
  or the feedback page): what is beyond the cap is dropped, with a visible note.

What happened is recorded in the cell's metadata (``youthlab.sandbox``), where the
autograde report reads it from the executed notebook.
"""

from __future__ import annotations

from typing import Any

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Integer

from youthlab.grading.sandbox import SandboxKernelManager
from youthlab.i18n import t

META = "youthlab"


def _both(key: str, **params: Any) -> str:
    return f"{t(key, 'ko', **params)}\n{t(key, 'en', **params)}"


def _size(msg: dict[str, Any]) -> int:
    content = msg.get("content", {})
    if "text" in content:
        return len(content["text"])
    size = sum(len(str(v)) for v in content.get("data", {}).values())
    size += sum(len(line) for line in content.get("traceback", []))
    return size


def _mark(cell: nbformat.NotebookNode, what: str, detail: str = "") -> None:
    events = cell.setdefault("metadata", {}).setdefault(META, {}).setdefault("sandbox", [])
    events.append({"event": what, "detail": detail})


class SandboxExecute(Execute):
    max_output_bytes = Integer(1_000_000, help="Characters of output kept per cell.").tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)  # nbgrader's Execute forces its own
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):  # type: ignore[override]
        self._output_bytes: dict[int, int] = {}
        self._truncated: set[int] = set()
        return super().preprocess(nb, resources, km)

    def output(self, outs, msg, display_id, cell_index):  # type: ignore[override]
        if msg.get("msg_type") in ("stream", "display_data", "execute_result", "error"):
            before = self._output_bytes.get(cell_index, 0)
            used = before + _size(msg)
            self._output_bytes[cell_index] = used
            if used > self.max_output_bytes:
                out = None
                if before < self.max_output_bytes and msg["msg_type"] == "stream":  # keep the head
                    head = msg["content"]["text"][:self.max_output_bytes - before]
                    out = super().output(outs, dict(msg, content=dict(msg["content"], text=head)), display_id,
                                         cell_index)
                if cell_index not in self._truncated:
                    self._truncated.add(cell_index)
                    mb = f"{self.max_output_bytes / 1e6:g}"
                    outs.append(nbformat.v4.new_output("stream", name="stderr",
                                                       text="\n" + _both("sandbox.output_truncated", mb=mb) + "\n"))
                    _mark(self.nb.cells[cell_index], "output_truncated", f"> {mb} MB")
                return out
        return super().output(outs, msg, display_id, cell_index)

    def _exit_detail(self) -> str:
        try:
            proc = self.km.provisioner.process  # type: ignore[union-attr]
            code = proc.poll() if proc is not None else None
        except Exception:  # noqa: BLE001 — only used to explain the cause
            code = None
        if code is None:
            return ""
        if code < 0:
            import signal

            try:
                return f"signal {signal.Signals(-code).name}"
            except ValueError:
                return f"signal {-code}"
        return f"exit {code}"

    def preprocess_cell(self, cell, resources, index):  # type: ignore[override]
        try:
            return super().preprocess_cell(cell, resources, index)
        except CellTimeoutError:
            what, key = "uninterruptible", "sandbox.cell_uninterruptible"
            detail = f"{self.timeout} s"
        except DeadKernelError:
            what, key = "kernel_died", "sandbox.kernel_died"
            detail = self._exit_detail()
        cell.outputs = [o for o in cell.get("outputs", []) if o.get("ename") != "CellTimeoutError"]
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename="SandboxStopped", evalue=_both(key, detail=detail),
            traceback=[_both(key, detail=detail)]))
        _mark(cell, what, detail)
        self.log.warning("cell %s: %s (%s); restarting the kernel", index, what, detail)
        run_sync(self.km.restart_kernel)(now=True)
        self.kc.stop_channels()  # the new kernel's sockets are elsewhere (a new /proc/<pid>/root)
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
        return cell, self.resources


def sandbox_events(nb: nbformat.NotebookNode, notebook: str) -> list[dict[str, str]]:
    """What the sandbox did in an executed notebook: [{cell, event, detail}]."""
    found = []
    for i, cell in enumerate(nb.cells):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {i + 1}"
        for ev in cell.get("metadata", {}).get(META, {}).get("sandbox", []):
            found.append({"cell": f"{notebook}:{gid}", **ev})
    return found
