"""The teacher's class page: progress per student, warm-up and stop buttons.

Runs in the teacher's own JupyterLab (or Voila): ``youthlab course create`` puts a
``dashboard.ipynb`` in the course folder, which the teacher sees as
``~/courses/<class>/dashboard.ipynb``. Students never get it: the course folder is not
in their homes and ``labs/`` has no copy of it. The page talks to the hub with the
teacher server's own token (``JUPYTERHUB_API_TOKEN``, which the hub gives teachers'
servers with the teacher's rights: see ``server_token_scopes`` in hubwiring).
"""

from __future__ import annotations

import html
import os
import threading
import time
from pathlib import Path

from youthlab.grading.course import Course, open_course
from youthlab.grading.progress import StudentProgress, class_progress
from youthlab.hub.classes import HubClient, stop_class, warm_up
from youthlab.i18n import t
from youthlab.paths import data_dir

STATUS_COLOURS = {"done": "#d4edda", "ok": "#ffffff", "stuck": "#f8d7da", "idle": "#eeeeee"}


def hub_client_from_env() -> HubClient | None:
    """A hub client with this server's token, or None outside the hub."""
    api = os.environ.get("JUPYTERHUB_API_URL")
    token = os.environ.get("JUPYTERHUB_API_TOKEN")
    if not (api and token):
        return None
    return HubClient(api.rstrip("/").removesuffix("/hub/api"), token)


def table_html(rows: list[StudentProgress]) -> str:
    """The progress table as HTML (one row per student, coloured by status)."""
    head = "".join(f"<th style='text-align:left;padding:4px 8px'>{html.escape(h.strip())}</th>"
                   for h in (t("progress.header") + " | " + t("progress.columns.more")).split("|"))
    body = []
    for r in rows:
        ago = f"{(time.time() - r.last_work) / 60:.0f} min" if r.last_work else "—"
        cells = [r.student, r.lab or "—", f"{r.tests_passing}/{r.tests_total}", str(r.errors), ago,
                 t("progress." + r.status), r.score or "—", r.server or "—", r.board or "—"]
        body.append(f"<tr style='background:{STATUS_COLOURS[r.status]}'>"
                    + "".join(f"<td style='padding:4px 8px'>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return f"<table style='border-collapse:collapse'><tr>{head}</tr>{''.join(body)}</table>"


class Dashboard:
    """ipywidgets page: refreshable table, warm-up and stop buttons, progress bar."""

    def __init__(self, cls: str, data: Path | None = None):
        self.course: Course = open_course(data or data_dir(), cls)
        self.data = data or data_dir()
        self.client = hub_client_from_env()

    def rows(self) -> list[StudentProgress]:
        users = None
        if self.client is not None:
            try:
                users = list(self.client.users().values())
            except Exception:  # noqa: BLE001 — the table still shows what is on disk
                users = None
        return class_progress(self.course, self.data, users)

    def show(self):
        import ipywidgets as w
        from IPython.display import display

        table = w.HTML(table_html(self.rows()))
        refresh = w.Button(description=t("class.dashboard.refresh"), icon="refresh")
        warm = w.Button(description=t("class.dashboard.warm_up"), icon="play", button_style="success",
                        disabled=self.client is None)
        stop = w.Button(description=t("class.dashboard.stop"), icon="stop", button_style="warning",
                        disabled=self.client is None)
        bar = w.IntProgress(min=0, max=max(1, len(self.course.students)), description="")
        note = w.HTML("")

        def do_refresh(_=None):
            table.value = table_html(self.rows())

        def do_warm(_):
            def run():
                warm.disabled = True
                report = warm_up(self.client, self.course.students,
                                 progress=lambda ready, total: setattr(bar, "value", ready))
                note.value = html.escape(t("class.report", ready=len(report.ready), total=len(self.course.students),
                                           seconds=report.seconds, pace=report.pace))
                warm.disabled = False
                do_refresh()

            threading.Thread(target=run, daemon=True).start()

        def do_stop(_):
            note.value = html.escape(t("class.stopped", n=stop_class(self.client, self.course.students)))
            do_refresh()

        refresh.on_click(do_refresh)
        warm.on_click(do_warm)
        stop.on_click(do_stop)
        page = w.VBox([w.HBox([refresh, warm, stop, bar]), note, table])
        display(page)
        return page
