"""Old name of :mod:`youthlab.robot.car` (kept while importers move over)."""

from youthlab.robot.car import RANGER_ADDR, RobotBoardSim

__all__ = ["RANGER_ADDR", "RobotBoardSim"]
