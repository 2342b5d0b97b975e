"""A teacher of several classes grades each in its own (named) server; nobody else gets extra servers."""

from __future__ import annotations

import pytest

from youthlab.grading.errors import NamedServerRefused
from youthlab.grading.hubwiring import check_named_server, nbgrader_settings
from youthlab.hub.accounts import AccountPlan

PLAN = AccountPlan("operator", {"kim": ["class-a", "class-b"]},
                   {"class-a": ["ana", "bo"], "class-b": ["cy"]})


@pytest.fixture
def env(tmp_path):
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("operator: {username: operator}\n"
                        "teachers:\n  - {username: kim, classes: [class-a, class-b]}\n"
                        "classes:\n  class-a: {title: {ko: A, en: A}, students: [ana, bo]}\n"
                        "  class-b: {title: {ko: B, en: B}, students: [cy]}\n")
    for cls in ("class-a", "class-b"):
        root = tmp_path / "data" / "courses" / cls
        root.mkdir(parents=True)
        (root / "nbgrader_config.py").write_text("c = get_config()\n")
    return {"YOUTHLAB_DATA_DIR": str(tmp_path / "data"), "YOUTHLAB_ACCOUNTS": str(accounts),
            "HOME": str(tmp_path / "home" / "kim")}


def test_a_teachers_server_named_after_a_class_grades_that_class(env):
    settings, config = nbgrader_settings({**env, "JUPYTERHUB_USER": "kim"})
    assert settings["CourseDirectory"]["course_id"] == "class-a"  # the default server: the first class
    settings, config = nbgrader_settings({**env, "JUPYTERHUB_USER": "kim", "JUPYTERHUB_SERVER_NAME": "class-b"})
    assert settings["CourseDirectory"]["course_id"] == "class-b"
    assert settings["CourseDirectory"]["root"].endswith("courses/class-b") and config.parent.name == "class-b"
    # a student's server is not moved by a server name
    settings, _ = nbgrader_settings({**env, "JUPYTERHUB_USER": "cy", "JUPYTERHUB_SERVER_NAME": "class-a"})
    assert settings["CourseDirectory"] == {"course_id": "class-b", "student_id": "cy"}


def test_only_teachers_get_extra_servers_one_per_class():
    check_named_server(PLAN, "kim", "")  # everyone's default server
    check_named_server(PLAN, "ana", "")
    check_named_server(PLAN, "kim", "class-b")
    for user, name in (("ana", "games"), ("kim", "class-z"), ("operator", "class-a")):
        with pytest.raises(NamedServerRefused) as refused:
            check_named_server(PLAN, user, name)
        assert name in refused.value.message("en") and refused.value.message("ko")
