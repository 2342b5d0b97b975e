"""Starting the flight service: the one process that flies real drones (``youthlab drone service``).

It wires a :class:`~youthlab.drone.desk.FlightDesk` (the logic) to a drone (the classroom
Tello, or an emulator on loopback for demos) and to its HTTP API
(:mod:`youthlab.drone.http_api`), with its settings (:class:`FlightSettings`, read from
the environment once). Under the hub it runs as a hub service
(:mod:`youthlab.drone.hub_service`).

The drone itself must be reachable only from this service: put the drone's Wi-Fi on the
flight station (the machine running this service) and not on the hub's network, or,
on one machine, run the service as its own system user and let only that user reach
the drone (``youthlab drone firewall`` prints the rule). See README, "Drones".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Mapping

from traitlets import Float, Int, Unicode

from youthlab.config import knob, settings_class
from youthlab.drone.backends import FlightBackend
from youthlab.drone.backends.tello import TelloBackend
from youthlab.drone.desk import FlightDesk, flight_sandbox
from youthlab.drone.emulator import TelloEmulator
from youthlab.drone.http_api import MAX_BODY_BYTES, make_app
from youthlab.drone.missions import get_mission
from youthlab.drone.secrets_guard import TeacherPinSettings, ensure_teacher_pin, service_folder
from youthlab.errors import ConfigError
from youthlab.i18n import t


def hub_runs_flight_service(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the hub starts its own flight service: on unless ``YOUTHLAB_FLIGHT=off``
    or a separate flight station is given (``YOUTHLAB_FLIGHT_STATION``).

    Those two are the hub's knobs of the service (the ``flight-service`` settings, whose
    module imports this one): found by entry point, from ``environ`` (default: the
    process's environment; the hub passes the environment it was started with)."""
    settings = settings_class("flight-service").from_env(environ)
    return settings.enabled and not settings.station


def ensure_service_pin(data: Path, environ: Mapping[str, str] | None = None) -> tuple[str, bool]:
    """The teacher's PIN for the hub's flight service and whether it was made just now.

    For the launcher (``youthlab up``), before the hub starts: ``YOUTHLAB_TEACHER_PIN``
    if set (raises :class:`~youthlab.drone.secrets_guard.WeakTeacherPin`, a ConfigError
    with a ko/en message, when shorter than 8 characters), else the PIN kept in
    ``<data>/flight-service/teacher-pin`` (0600), made when missing — then print it to
    the operator once. The service itself reads the same file."""
    return ensure_teacher_pin(service_folder(data), environ)


def prepare_service_folder(data: Path, user: str) -> Path:
    """The service's own folder in the data folder, owned by ``user`` (mode 0700), for a
    service that runs as its own system user; returns it."""
    import pwd

    entry = pwd.getpwnam(user)
    folder = service_folder(data)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return folder


def tello_factory(host: str, port: int, state_port: int) -> Callable[[], FlightBackend]:
    def make() -> FlightBackend:
        return TelloBackend(host=host, port=port, state_port=state_port)

    return make


class FlightSettings(TeacherPinSettings):
    """The flight service process's knobs, the teacher's PIN among them (listed by
    ``youthlab config --area flight-service``)."""

    port = knob(Int(8870, min=1, max=65535), "YOUTHLAB_FLIGHT_PORT")
    drone = knob(Unicode("emulator"), "YOUTHLAB_FLIGHT_DRONE")
    tello_port = knob(Int(8889, min=1, max=65535), "YOUTHLAB_FLIGHT_TELLO_PORT")
    state_port = knob(Int(8890, min=1, max=65535), "YOUTHLAB_FLIGHT_STATE_PORT")
    program_max_s = knob(Float(300.0, min=1.0), "YOUTHLAB_FLIGHT_PROGRAM_MAX")
    session_max_s = knob(Float(600.0, min=1.0), "YOUTHLAB_FLIGHT_SESSION_MAX")
    session_idle_s = knob(Float(30.0, min=1.0), "YOUTHLAB_FLIGHT_SESSION_IDLE")
    token = knob(Unicode(""), "YOUTHLAB_FLIGHT_TOKEN", secret=True)


def serve(port: int, ip: str = "127.0.0.1", folder: Path | None = None,
          settings: FlightSettings | None = None) -> None:
    """Run the service until interrupted, with ``settings`` (default: from the environment,
    read here once)."""
    import sys

    from tornado.ioloop import IOLoop

    settings = settings or FlightSettings.from_env()
    emulator = None
    host, tello_port = settings.drone, settings.tello_port
    if settings.drone == "emulator":
        emulator = TelloEmulator(port=0, state_port=settings.state_port, **get_mission("hall").sim_options(0)).start()
        host, tello_port = emulator.address
    try:
        folder = Path(folder) if folder else service_folder()
        pin, made = ensure_teacher_pin(folder, pin=settings.teacher_pin)
        if made:
            print(t("drone.secrets.pin_made", pin=pin, path=folder / "teacher-pin"), file=sys.stderr, flush=True)
        sandbox = flight_sandbox()
        print(t("drone.service.sandboxed", how=sandbox.describe()), file=sys.stderr, flush=True)
        desk = FlightDesk(tello_factory(host, tello_port, settings.state_port), folder=folder, teacher_pin=pin,
                          timeout_s=settings.program_max_s, session_max_s=settings.session_max_s,
                          session_idle_s=settings.session_idle_s, sandbox=sandbox)
        hub_auth = None
        if os.environ.get("JUPYTERHUB_API_TOKEN") and os.environ.get("JUPYTERHUB_SERVICE_NAME"):
            from jupyterhub.services.auth import HubAuth  # reads JupyterHub's own service variables

            hub_auth = HubAuth(cache_max_age=60)
        if hub_auth is None and not settings.token:
            raise ConfigError(detail="YOUTHLAB_FLIGHT_TOKEN is not set (needed outside the hub)")
        app = make_app(desk, os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/"), token=settings.token or None,
                       hub_auth=hub_auth)
        app.listen(port, address=ip, max_body_size=MAX_BODY_BYTES)
        try:
            IOLoop.current().start()
        except KeyboardInterrupt:
            pass
    finally:
        if emulator is not None:
            emulator.stop()
