"""Pictures of a flight for notebooks: 3-D path, top-down island map, battery and wind,
and a live read-out while a drone flies.

Every function takes a flight record (``drone.record()`` or the result of
``run_program``) or a :class:`~youthlab.drone.api.Drone`, and returns a matplotlib
``Figure``. Labels follow the notebook's language (ko first).
"""

from __future__ import annotations

import math
import threading
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from youthlab.drone.missions import MissionSpec, get_mission
from youthlab.i18n import t
from youthlab.plotting import both

_KOREAN_FONTS = ("NanumGothic", "NanumSquareRound", "Noto Sans CJK KR", "Noto Serif CJK KR")


def _use_korean_font() -> None:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in _KOREAN_FONTS:
        if name in names:
            plt.rcParams["font.family"] = [name, "DejaVu Sans"]
            plt.rcParams["axes.unicode_minus"] = False
            return


def _record(flight: Any) -> dict:
    return flight.record() if hasattr(flight, "record") else flight


def _text(key: str, lang: str | None, **params: Any) -> str:
    """A label in ``lang``; with no language given, in Korean and English (a lab's plot is
    shared on a screen or a printout — one reader may know only one of the two)."""
    return t(key, lang, **params) if lang else both(key, **params)


def _track(rec: dict) -> tuple[list[float], list[float], list[float], list[float]]:
    rows = rec.get("samples") or [(p[0], p[1], p[2], p[3]) for p in rec.get("path", [])]
    ts, xs, ys, zs = ([r[i] for r in rows] for i in range(4))
    return ts, xs, ys, zs


def path_3d(flight: Any, lang: str | None = None) -> Figure:
    """The flight path in 3-D (cm, takeoff frame), with the parcel drops."""
    _use_korean_font()
    rec = _record(flight)
    _, xs, ys, zs = _track(rec)
    fig = plt.figure(figsize=(6, 5))
    ax = fig.add_subplot(projection="3d")
    ax.plot(xs, ys, zs, color="tab:blue", lw=1.5)
    if xs:
        ax.scatter([xs[0]], [ys[0]], [zs[0]], color="green", s=40, label=_text("drone.view.start", lang))
        ax.scatter([xs[-1]], [ys[-1]], [zs[-1]], color="black", s=30, label=_text("drone.view.end", lang))
    for d in rec.get("drops", []):
        ax.scatter([d["x"]], [d["y"]], [d["z"]], color="red", marker="v", s=60, label=_text("drone.view.drop", lang))
    ax.set_xlabel(_text("drone.view.x", lang))
    ax.set_ylabel(_text("drone.view.y", lang))
    ax.set_zlabel(_text("drone.view.z", lang))
    ax.set_title(_text("drone.view.path_title", lang))
    ax.legend(loc="upper left", fontsize=8)
    return fig


def island_map(flight: Any = None, mission: str | MissionSpec = "island", real: bool = True,
               lang: str | None = None) -> Figure:
    """Top-down map: sea, land, the seabird rock, dock, village hall, fence and the route.

    ``real=True`` labels the axes in real metres (the hall map × scale); north is up."""
    _use_korean_font()
    spec = get_mission(mission)
    k = spec.scale / 100 if real else 1.0  # cm in the hall -> metres on the real map

    def xy(x_cm: float, y_cm: float) -> tuple[float, float]:
        return -y_cm * k, x_cm * k  # east (= -west) to the right, north up

    fig, ax = plt.subplots(figsize=(6.5, 6))
    ax.set_facecolor("#cfe8f7")
    for poly in spec.land_cm.values():
        pts = [xy(x, y) for x, y in poly]
        ax.fill([p[0] for p in pts], [p[1] for p in pts], color="#d9c89e", ec="#8a7a4f", lw=1)
    for zone in spec.no_fly:
        cx, cy = xy(zone.x, zone.y)
        ax.add_patch(plt.Circle((cx, cy), zone.radius * k, color="tab:red", alpha=0.3))
        ax.annotate(_text(zone.key, lang), (cx, cy), ha="center", fontsize=8, color="darkred")
    lim = spec.limits
    box = [xy(lim.x_min, lim.y_min), xy(lim.x_max, lim.y_min), xy(lim.x_max, lim.y_max),
           xy(lim.x_min, lim.y_max), xy(lim.x_min, lim.y_min)]
    ax.plot([p[0] for p in box], [p[1] for p in box], "--", color="gray", lw=1, label=_text("drone.view.fence", lang))
    hx, hy = xy(0, 0)
    ax.plot(hx, hy, "s", color="green", ms=9, label=_text(spec.home_name, lang))
    if spec.target:
        tx, ty = xy(*spec.target)
        ax.plot(tx, ty, "*", color="purple", ms=14, label=_text(spec.target_name, lang))
        ax.add_patch(plt.Circle((tx, ty), spec.drop_tolerance_cm * k, fill=False, color="purple", ls=":"))
    if flight is not None:
        rec = _record(flight)
        _, xs, ys, _ = _track(rec)
        pts = [xy(x, y) for x, y in zip(xs, ys)]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], color="tab:blue", lw=1.5, label=_text("drone.view.route", lang))
        for d in rec.get("drops", []):
            px, py = xy(d.get("land_x", d["x"]), d.get("land_y", d["y"]))
            ax.plot(px, py, "v", color="red", ms=9, label=_text("drone.view.parcel", lang))
    unit = "m" if real else "cm"
    ax.set_xlabel(_text("drone.view.east", lang, unit=unit))
    ax.set_ylabel(_text("drone.view.north", lang, unit=unit))
    ax.set_aspect("equal")
    ax.set_title(_text(spec.title, lang))
    ax.legend(loc="lower right", fontsize=8)
    return fig


def battery_and_wind(flight: Any, lang: str | None = None) -> Figure:
    """Battery (%) and wind speed (m/s) against flight time."""
    _use_korean_font()
    rec = _record(flight)
    rows = rec.get("samples") or []
    ts = [r[0] for r in rows]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.5, 4.5), sharex=True)
    a1.plot(ts, [r[4] for r in rows], color="tab:green")
    a1.set_ylabel(_text("drone.view.battery", lang))
    a1.grid(alpha=0.3)
    a2.plot(ts, [math.hypot(r[5], r[6]) for r in rows], color="tab:blue")
    a2.set_ylabel(_text("drone.view.wind", lang))
    a2.set_xlabel(_text("drone.view.time", lang))
    a2.grid(alpha=0.3)
    for e in rec.get("events", []):
        for ax in (a1, a2):
            ax.axvline(e["t"], color="red", ls=":", lw=1)
    fig.tight_layout()
    return fig


class LiveView:
    """A live read-out (position, height, battery, safety events) while a drone flies:
    ``view = LiveView(drone); display(view.widget)``; updated 5 times a second."""

    def __init__(self, drone: Any, period_s: float = 0.2) -> None:
        import ipywidgets as widgets

        self.drone = drone
        self.period_s = period_s
        self.widget = widgets.HTML()
        self._stop = threading.Event()
        self.refresh()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def refresh(self) -> None:
        d = self.drone
        x, y, z = d.position
        events = "".join(f"<li>{e.message()}</li>" for e in d.events[-3:])
        self.widget.value = (
            f"<div style='font-family:monospace;font-size:1.1em'>"
            f"📍 x={x} y={y} cm &nbsp; ⬆ {z} cm &nbsp; 🧭 {d.heading}° &nbsp; 🔋 {d.battery}%"
            f"{'<ul style=color:#b00>' + events + '</ul>' if events else ''}</div>")

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                self.refresh()
            except Exception:
                pass

    def stop(self) -> None:
        self._stop.set()
