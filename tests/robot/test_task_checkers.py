"""Robot task checkers are plug-ins: the shipped tasks and a new one are entry points."""

from __future__ import annotations

import dataclasses

import pytest

from tests.core.plugins import installed_plugin
from youthlab.plugins import PluginNotFound, plugin_names
from youthlab.robot import checker
from youthlab.robot.worlds import load_world

SOURCE = """
from youthlab.robot.checker import Report, TaskChecker


class SumoChecker(TaskChecker):
    def check(self, result):
        return Report("sumo", True, 100.0)
"""


@pytest.fixture
def sumo_plugin(tmp_path, monkeypatch):
    checker.task_checker.cache_clear()
    yield from installed_plugin(tmp_path, monkeypatch, "sumo_checker", SOURCE, checker.GROUP,
                                {"sumo": "sumo_checker:SumoChecker"})
    checker.task_checker.cache_clear()


def test_shipped_tasks_are_registered():
    assert {"line", "maze", "town"} <= set(plugin_names(checker.GROUP))
    assert isinstance(checker.task_checker("town"), checker.TownChecker)


def test_a_new_task_is_one_class_and_one_entry_point(sumo_plugin):
    assert checker.task_checker("sumo").check(None).task == "sumo"


def test_a_task_without_a_checker_is_done_at_the_finish():
    world = dataclasses.replace(load_world("line"), task="no-such-task")  # not the cached world
    with pytest.raises(PluginNotFound):
        checker.task_checker(world.task)
    assert callable(checker.done_condition(world))
