"""Drone lab: a kid-sized flight API over a simulator, a Tello (SDK 2.0) or a board.

    from youthlab.drone import Drone, Mission
    drone = Drone()            # simulator
    drone.takeoff(); drone.move(forward=100); drone.land()
"""

from youthlab.drone.api import Drone
from youthlab.drone.errors import (CommandRefused, DroneError, EmergencyStopped, LinkError,
                                   SafetyError, SimulateFirst)
from youthlab.drone.missions import Mission, get_mission
from youthlab.drone.safety import Limits, SafetyEvent

__all__ = ["Drone", "Mission", "get_mission", "Limits", "SafetyEvent", "DroneError",
           "CommandRefused", "SafetyError", "EmergencyStopped", "LinkError", "SimulateFirst"]
