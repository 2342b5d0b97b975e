"""Drone errors: each has a ko/en message and hint in ``youthlab/messages/drone.yaml``."""

from __future__ import annotations

from youthlab.errors import YouthLabError


class DroneError(YouthLabError):
    """Anything that went wrong with a flight."""

    key = "drone.error"
    hint_key = "drone.error.hint"


class CommandRefused(DroneError):
    """The drone (or our safety layer) said no to a command; nothing moved."""

    key = "drone.refused"
    hint_key = "drone.refused.hint"


class SafetyError(CommandRefused):
    """A command would break a safety rule (geofence, ceiling, battery …)."""

    key = "drone.safety"
    hint_key = "drone.safety.hint"


class EmergencyStopped(DroneError):
    """The motors were stopped by the emergency button; the flight is over."""

    key = "drone.emergency_stopped"
    hint_key = "drone.emergency_stopped.hint"


class LinkError(DroneError):
    """The drone did not answer (Wi-Fi, cable or board link)."""

    key = "drone.link"
    hint_key = "drone.link.hint"


class SimulateFirst(DroneError):
    """A real flight was asked for a program that has not passed the simulator."""

    key = "drone.simulate_first"
    hint_key = "drone.simulate_first.hint"


class RealFlightsViaService(DroneError):
    """A real drone was asked for inside a student's server, where the flight service flies."""

    key = "drone.service.via_service"
    hint_key = "drone.service.via_service.hint"
