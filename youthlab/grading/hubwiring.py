"""Wiring nbgrader into the hub: who gets formgrader, which course and exchange.

Design choice: the class lists in ``hub_config/accounts.yaml`` stay the one source of
truth. JupyterHub creates roles only from its config (there is no REST API for roles),
and the class's groups and the teacher's group-scoped role are already derived from
that file at hub start (``youthlab.hub.accounts``). So a course adds no accounts and no
roles; it adds, per single-user server:

- ``JUPYTER_CONFIG_PATH`` = a per-role folder (``<data>/jupyter-config/student|teacher``)
  plus ``hub_config/``. The student folder switches off nbgrader's formgrader,
  create-assignment and course-list extensions (server and JupyterLab side); teachers
  keep them. Students' assignment list and validate extensions load at their first
  request (:mod:`youthlab.hub.lazy_nbgrader`), not at every server start.
- ``hub_config/nbgrader_config.py`` (found on that path) calls :func:`nbgrader_settings`
  to point the server at its class: students get the course id, the exchange and their
  hub name as nbgrader student id (all servers may share one system user, so nbgrader's
  own guess — the Unix user — would be wrong); a teacher's server gets the course folder
  of their class, so formgrader works there out of the box — except its *Autograde*
  button, which would run students' code as the teacher: it is refused with a ko/en
  message that points to the sandboxed ``youthlab course autograde``
  (:mod:`youthlab.grading.formgrader_guard`). Everyone uses YouthLab's
  exchange plugins (:mod:`youthlab.grading.exchange`): no world-writable exchange, and
  in isolated mode errors that say which class or group is missing.

In isolated mode a student cannot enter ``<data>/courses/<class>`` (its teachers' group
only): whether the class has a course is then read from the exchange folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from youthlab.grading.errors import NamedServerRefused
from youthlab.hub.accounts import AccountPlan, load_plan

# Teachers' tools, and Voila: visitors' apps are the kiosk service's job, not a student
# server's (its import costs every student server start-up time).
STUDENT_SERVER_EXTENSIONS_OFF = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list",
                                 "voila.server_extension",
                                 # loaded at their first request instead (youthlab/hub/lazy_nbgrader.py)
                                 "nbgrader.server_extensions.assignment_list",
                                 "nbgrader.server_extensions.validate_assignment")
STUDENT_SERVER_EXTENSIONS_ON = ("youthlab.hub.lazy_nbgrader",)
STUDENT_LAB_EXTENSIONS_OFF = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                              "@jupyter/nbgrader:course-list", "@voila-dashboards/jupyterlab-preview")


def role_of(plan: AccountPlan, username: str) -> str:
    if username == plan.operator or username in plan.teachers:
        return "teacher"
    return "student"


def write_role_configs(data: Path) -> dict[str, Path]:
    """Write the per-role Jupyter config folders; returns role -> folder."""
    base = data / "jupyter-config"
    student, teacher = base / "student", base / "teacher"
    (student / "labconfig").mkdir(parents=True, exist_ok=True)
    teacher.mkdir(parents=True, exist_ok=True)
    (student / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {**{name: False for name in STUDENT_SERVER_EXTENSIONS_OFF},
                                               **{name: True for name in STUDENT_SERVER_EXTENSIONS_ON}}}}, indent=1))
    (student / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {name: True for name in STUDENT_LAB_EXTENSIONS_OFF}}, indent=1))
    return {"student": student, "teacher": teacher}


SERVER_ROLE_SCOPES = ["users:activity!user", "access:servers!server"]  # JupyterHub's default


def server_token_scopes(plan: AccountPlan, username: str, extra: list[str] = ()) -> list[str]:
    """Scopes of a server's own API token: a teacher's server acts with the teacher's
    rights (the class page can start their students' servers); students keep the default
    plus ``extra`` (e.g. access to the flight service)."""
    return ["inherit"] if role_of(plan, username) == "teacher" else [*SERVER_ROLE_SCOPES, *extra]


def config_path_for(plan: AccountPlan, data: Path, hub_config: Path, username: str) -> str:
    """``JUPYTER_CONFIG_PATH`` of a user's single-user server."""
    return os.pathsep.join([str(data / "jupyter-config" / role_of(plan, username)), str(hub_config)])


def _course_root(data: Path, cls: str) -> Path | None:
    root = data / "courses" / cls
    try:
        return root if (root / "nbgrader_config.py").exists() else None
    except PermissionError:  # isolated mode: not a teacher of this class
        return None


def _class_has_course(data: Path, cls: str) -> bool:
    """For students: the course's exchange folder exists (they may not read the course)."""
    try:
        return (data / "exchange" / cls).is_dir() or _course_root(data, cls) is not None
    except OSError:
        return False


def _link_into_home(root: Path, home: str | None, cls: str) -> Path:
    """Formgrader only works on a course folder *inside* the server's root (the home):
    link ``~/courses/<class>`` to the course and use that path."""
    if not home:
        return root
    link = Path(home) / "courses" / cls
    try:
        if not link.is_symlink() and not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(root, target_is_directory=True)
    except OSError:
        return root
    return link


def nbgrader_settings(env: Mapping[str, str]) -> tuple[dict[str, dict[str, Any]], Path | None]:
    """(settings by config section, course config file to load) for the server's user.

    Empty outside the hub (no ``JUPYTERHUB_USER``), so the file is harmless elsewhere.
    """
    username = env.get("JUPYTERHUB_USER")
    data = env.get("YOUTHLAB_DATA_DIR")
    accounts = env.get("YOUTHLAB_ACCOUNTS")
    if not (username and data and accounts):
        return {}, None
    data_path, plan = Path(data), load_plan(Path(accounts))
    from youthlab.grading.exchange import PLUGINS

    exchange: dict[str, Any] = {"root": str(data_path / "exchange"), "path_includes_course": True}
    plugins = {"ExchangeFactory": dict(PLUGINS)}
    if role_of(plan, username) == "teacher":
        from youthlab.grading.formgrader_guard import SandboxOnlyNotebookExporter

        # formgrader's Autograde button would run submissions as the teacher: refused
        plugins["Autograde"] = {"exporter_class": SandboxOnlyNotebookExporter}
        classes = plan.teachers.get(username, [])
        named = env.get("JUPYTERHUB_SERVER_NAME", "")
        if named in classes:  # a teacher's server named after one of their classes grades that class
            classes = [named]
        for cls in classes:
            root = _course_root(data_path, cls)
            if root:
                linked = _link_into_home(root, env.get("HOME"), cls)
                return {"Exchange": exchange, **plugins,
                        "CourseDirectory": {"root": str(linked), "course_id": cls}}, root / "nbgrader_config.py"
        return {"Exchange": exchange, **plugins}, None
    for cls, students in plan.classes.items():
        if username in students and _class_has_course(data_path, cls):
            return {"Exchange": exchange, **plugins,
                    "CourseDirectory": {"course_id": cls, "student_id": username}}, None
    return {"Exchange": exchange, **plugins}, None


def check_named_server(plan: AccountPlan, username: str, server_name: str) -> None:
    """Only teachers get extra (named) servers, one per class they teach, so a teacher of
    several classes has formgrader for each (``/user/<teacher>/<class>/``)."""
    if not server_name:
        return
    if role_of(plan, username) != "teacher" or server_name not in plan.teachers.get(username, []):
        raise NamedServerRefused(name=server_name, classes=", ".join(plan.teachers.get(username, [])) or "—")


def refuse_named_server_hook(plan: AccountPlan):
    """``Spawner.pre_spawn_hook``: :func:`check_named_server` as an HTTP 403 whose message
    (both languages) the hub shows on its page and in its API answer."""
    def hook(spawner: Any) -> None:
        from tornado.web import HTTPError

        try:
            check_named_server(plan, spawner.user.name, spawner.name)
        except NamedServerRefused as exc:
            raise HTTPError(403, f"{exc.message('ko')} / {exc.message('en')}") from None

    return hook
