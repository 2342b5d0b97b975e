"""The drone checker in grading's mission-checker form (entry point ``drone`` in
``youthlab.mission_checkers``): :func:`check` takes a mission and what the student made."""

from __future__ import annotations

from typing import Any

from youthlab.drone.checker import check_flight, check_function, check_program


def check(mission: str, attempt: Any, **options: Any) -> dict[str, Any]:
    """Score a program (source), a ``fly(drone)`` function or a flight record (a dict):
    ``passed``, ``score`` (0..1), ``message`` (the checker's feedback) and the ``result``."""
    if callable(attempt):
        result = check_function(attempt, mission, **options)
    elif isinstance(attempt, dict):
        result = check_flight(attempt, mission)
    else:
        result = check_program(str(attempt), mission, **options)
    return {"passed": result.passed, "score": result.score / (result.max_score or 100),
            "message": result.feedback(), "result": result}
