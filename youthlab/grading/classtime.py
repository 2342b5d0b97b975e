"""Does a class plan fit its clock and the hall's printers?

A curriculum lists labs *and* the class time around them (``activity: login``, ``fetch``,
``submit``, ``safety-talk``, ``wrap-up`` …). Each lab says in ``labs/<lab>/instructor/lab.yaml``
how many minutes a typical student of 10–12 or 13–18 needs, for which ages it is made,
what equipment it uses and, for stamps, PrusaSlicer's estimated print time per student.
From that, this module finds what a teacher would discover too late in class: a session
longer than its meeting, no time to log in or submit, drones before the safety talk, a
lab squeezed below what the youngest students need, and prints the printers cannot
finish in time. It returns ``(path, key, params)`` findings; :mod:`curriculum` turns
them into line-numbered messages.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from youthlab.korean import Word
from youthlab.stamp.queue import load_printers

Finding = tuple[list[Any], str, dict[str, Any]]

# what a session with labs needs besides the labs
NEEDED = {"login": "login", "wrap-up": "wrap-up"}
GRADED_NEEDS = ("fetch", "submit")


def lab_plan(labs_root: Path, lab: str) -> dict[str, Any]:
    """The lab's ``instructor/lab.yaml`` ({} when the lab has none, e.g. a teacher's own)."""
    path = labs_root / lab / "instructor" / "lab.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def minutes_needed(plan: dict[str, Any], youngest: int) -> int | None:
    """Minutes a typical student of the audience's youngest age needs for the lab."""
    minutes = plan.get("minutes")
    if not isinstance(minutes, dict):
        return None
    band = "10-12" if youngest <= 12 else "13-18"
    value = minutes.get(band)
    return int(value) if isinstance(value, (int, float)) else None


def hall_printers() -> int:
    """How many 3-D printers the hall has (hardware/printers/printers.yaml)."""
    try:
        return len(load_printers())
    except Exception:  # no printers file: no printer
        return 0


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def clock_problems(data: dict[str, Any], steps: list[tuple[int, dict[str, Any]]], labs_root: Path,
                   printers: int | None = None) -> list[Finding]:
    """Every way the plan does not fit its minutes or its printers."""
    found: list[Finding] = []
    duration = data.get("duration") if isinstance(data.get("duration"), dict) else {}
    audience = data.get("audience") if isinstance(data.get("audience"), dict) else {}
    ages = audience.get("ages")
    youngest = ages[0] if isinstance(ages, list) and ages and _int(ages[0]) else None
    group = audience.get("group_size") if _int(audience.get("group_size")) else None
    session_minutes = duration.get("session_minutes") if _int(duration.get("session_minutes")) else None
    if session_minutes is None and _int(duration.get("total_minutes")) and duration.get("sessions", 1) == 1:
        session_minutes = duration["total_minutes"]

    sessions: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for i, step in steps:
        if not _int(step.get("minutes")):
            continue
        session = step.get("session", 1) if _int(step.get("session", 1)) else 1
        sessions.setdefault(session, []).append((i, step))

    for session, items in sorted(sessions.items()):
        first = items[0][0]
        total = sum(s["minutes"] for _, s in items)
        if session_minutes and total > session_minutes:
            found.append((["sequence", first], "curriculum.problem.session_too_long",
                          dict(session=session, total=total, planned=session_minutes)))
        labs = [(i, s) for i, s in items if isinstance(s.get("lab"), str)]
        if not labs:
            continue
        kinds = [s.get("activity") for _, s in items]
        missing = [a for a in NEEDED if a not in kinds]
        if any(s.get("graded", True) is not False for _, s in labs):
            missing += [a for a in GRADED_NEEDS if a not in kinds]
        if missing:
            found.append((["sequence", first], "curriculum.problem.no_class_time",
                          dict(session=session, missing=", ".join(missing))))
        talk_at = next((n for n, (_, s) in enumerate(items) if s.get("activity") == "safety-talk"), None)
        for n, (i, s) in enumerate(items):
            if "lab" not in s:
                continue
            plan = lab_plan(labs_root, s["lab"])
            if "drone" in (plan.get("equipment") or []) and (talk_at is None or talk_at > n):
                found.append((["sequence", i, "lab"], "curriculum.problem.no_safety_talk",
                              dict(lab=s["lab"], session=session)))
                talk_at = n  # once per session is enough
            if youngest is not None:
                need = minutes_needed(plan, youngest)
                if need and s["minutes"] < need:
                    found.append((["sequence", i, "minutes"], "curriculum.problem.lab_too_short",
                                  dict(lab=s["lab"], minutes=s["minutes"], need=need, ages="10–12" if youngest <= 12 else "13–18")))
                lab_ages = plan.get("ages")
                if (isinstance(lab_ages, list) and lab_ages and _int(lab_ages[0]) and youngest < lab_ages[0]
                        and not plan.get("young_track")):
                    found.append((["sequence", i, "lab"], "curriculum.problem.too_young",
                                  dict(lab=Word(s["lab"]), youngest=youngest, lab_youngest=lab_ages[0])))
            found += _print_problems(i, s, plan, group, printers)
    return found


def _print_problems(i: int, step: dict[str, Any], plan: dict[str, Any], group: int | None,
                    printers: int | None) -> list[Finding]:
    per_student = plan.get("print_minutes_per_student")
    prints = step.get("print")
    if not isinstance(per_student, (int, float)) or not isinstance(prints, dict):
        return []
    if prints.get("stamps") == "every-student":
        count = group or 0
    elif prints.get("stamps") == "some":
        count = prints.get("count", 0) if _int(prints.get("count", 0)) else 0
    else:
        return []
    have = prints.get("printers") if _int(prints.get("printers")) else (printers if printers is not None else hall_printers())
    window = prints.get("window_minutes") if _int(prints.get("window_minutes")) else step["minutes"]
    if count == 0:
        return []
    if have == 0:
        return [(["sequence", i, "print"], "curriculum.problem.no_printers", dict(lab=step["lab"], count=count))]
    need = math.ceil(count / have) * per_student  # prints of one printer run one after another
    if need <= window:
        return []
    fits = (window // per_student) * have
    return [(["sequence", i, "print"], "curriculum.problem.printers_too_few",
             dict(lab=step["lab"], count=count, printers=have, per_stamp=round(per_student),
                  hours=f"{need / 60:.1f}", window=window, fits=int(fits)))]
