"""Robot lab errors: each has a ko/en message and hint in ``youthlab/messages/robot.yaml``."""

from __future__ import annotations

from youthlab.errors import YouthLabError


class RobotError(YouthLabError):
    """Anything that went wrong with a robot run."""

    key = "robot.error"
    hint_key = "robot.error.hint"


class WorldError(RobotError):
    """A world name or world file that does not exist or does not make sense."""

    key = "robot.world"
    hint_key = "robot.world.hint"


class KitError(RobotError):
    """An unknown robot kit name."""

    key = "robot.kit"
    hint_key = "robot.kit.hint"
