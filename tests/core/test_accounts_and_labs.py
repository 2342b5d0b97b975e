"""Account plan → groups and roles; labs copied as student versions."""

from __future__ import annotations

import json

import nbformat
import pytest

from youthlab.errors import ConfigError
from youthlab.hub.accounts import SEED_FILE, load_plan, prepare_first_start
from youthlab.hub.labs import copy_labs
from youthlab.paths import hub_config_dir, labs_dir


def test_shipped_plan_gives_teacher_group_scoped_rights_only():
    plan = load_plan(hub_config_dir() / "accounts.yaml")
    groups = plan.groups()
    assert groups["class-demo"]["users"] == ["student1", "student2", "student3"]
    assert groups["teachers-class-demo"]["users"] == ["teacher"]
    (role,) = plan.roles()
    assert role["groups"] == ["teachers-class-demo"]
    for scope in role["scopes"]:
        assert "!group=class-demo" in scope or scope.startswith("access:servers!user=student")
    assert "admin:servers!group=class-demo" in role["scopes"]


def test_malformed_plan_names_the_file_and_problem(tmp_path):
    bad = tmp_path / "accounts.yaml"
    bad.write_text("operator: {username: op}\nteachers:\n  - username: t\n    classes: [nope]\n")
    with pytest.raises(ConfigError) as err:
        load_plan(bad)
    assert "accounts.yaml" in err.value.message("en") and "nope" in err.value.message("en")
    bad.write_text("teachers: [ {username: t} \n")
    with pytest.raises(ConfigError):
        load_plan(bad)


def test_first_start_passwords_are_stored_hashed_and_made_once(tmp_path):
    plan = load_plan(hub_config_dir() / "accounts.yaml")
    created = prepare_first_start(plan, tmp_path, tmp_path / "hub.sqlite")
    assert {u for u, _, _ in created} == {"operator", "teacher", "student1", "student2", "student3"}
    seeds = json.loads((tmp_path / SEED_FILE).read_text())
    for username, _, password in created:
        assert password not in seeds[username] and seeds[username].startswith("$2")
    assert (tmp_path / SEED_FILE).stat().st_mode & 0o077 == 0
    assert prepare_first_start(plan, tmp_path, tmp_path / "hub.sqlite") == []


def _source_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
                                  metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "add",
                                                         "locked": False, "schema_version": 3}}),
        nbformat.v4.new_code_cell("assert add(1, 2) == 3\n### BEGIN HIDDEN TESTS\nassert add(2, 2) == 4\n"
                                  "### END HIDDEN TESTS",
                                  metadata={"nbgrader": {"solution": False, "grade": True, "grade_id": "t",
                                                         "points": 1, "locked": True, "schema_version": 3}}),
    ]
    nbformat.write(nb, path)


def test_students_get_labs_without_answers_and_keep_their_work(tmp_path):
    labs, home = tmp_path / "labs", tmp_path / "home"
    (labs / "05-adder" / "solutions").mkdir(parents=True)
    _source_notebook(labs / "05-adder" / "adder.ipynb")
    (labs / "05-adder" / "solutions" / "answer.py").write_text("secret")
    (labs / "05-adder" / "data.csv").write_text("a,b\n1,2\n")

    assert copy_labs(labs, home) == ["05-adder"]
    text = (home / "05-adder" / "adder.ipynb").read_text()
    assert "return a + b" not in text and "add(2, 2)" not in text
    assert "assert add(1, 2) == 3" in text
    assert not (home / "05-adder" / "solutions").exists()
    assert (home / "05-adder" / "data.csv").exists()

    (home / "05-adder" / "adder.ipynb").write_text("my work")
    assert copy_labs(labs, home) == []
    assert (home / "05-adder" / "adder.ipynb").read_text() == "my work"


def test_welcome_lab_is_copied_for_students(tmp_path):
    assert "00-welcome" in copy_labs(labs_dir(), tmp_path)
    assert (tmp_path / "00-welcome" / "welcome.ipynb").exists()
