"""nbgrader's student server extensions, loaded at their first request instead of at start.

A student's server needs nbgrader's ``assignment_list`` (the Assignments tab: fetch,
submit, feedback) and ``validate_assignment`` (the Validate button), but importing them
pulls in nbgrader's exchange, database layer (SQLAlchemy), nbconvert and setuptools:
about 1 CPU-s of a student server's ~2 CPU-s start measured here, paid 30 times when a
class starts although a student opens the tab minutes later, if at all.

This extension (``youthlab.hub.lazy_nbgrader``, switched on instead of those two for
students by :mod:`youthlab.grading.hubwiring`) registers one tornado router for their
URL paths. At the first request to one of them it imports nbgrader, sets up the same
settings nbgrader's own ``load_jupyter_server_extension`` sets, and hands that request
and all later ones to nbgrader's own handlers (same URLs, same behaviour).
"""

from __future__ import annotations

import re
from typing import Any

from jupyter_server.utils import url_path_join
from tornado import httputil, routing, web

PATHS = ("assignments", "courses", "nbgrader_version")


def nbgrader_rules(serverapp: Any) -> list[tuple[str, type]]:
    """What nbgrader's two student extensions would add (and their settings), imported now."""
    from nbgrader.server_extensions.assignment_list import handlers as assignment_list
    from nbgrader.server_extensions.validate_assignment import handlers as validate

    settings = serverapp.web_app.settings
    settings["assignment_list_manager"] = assignment_list.AssignmentList(parent=serverapp)
    settings["assignment_list_manager"].root_dir = serverapp.root_dir
    settings["root_dir"] = serverapp.root_dir
    base = settings["base_url"]
    # validate's routes first: /assignments/validate before nothing else claims it
    return [(url_path_join(base, pat), handler)
            for pat, handler in [*validate.default_handlers, *assignment_list.default_handlers]]


class LazyRouter(routing.Router):
    """Routes nbgrader's paths; builds nbgrader's own router at the first request."""

    def __init__(self, serverapp: Any) -> None:
        self.serverapp = serverapp
        self._router: routing.Router | None = None

    def find_handler(self, request: httputil.HTTPServerRequest, **kwargs: Any):
        if self._router is None:
            self.serverapp.log.info("YouthLab: loading nbgrader's assignment list at its first use")
            self._router = web._ApplicationRouter(self.serverapp.web_app, nbgrader_rules(self.serverapp))
        return self._router.find_handler(request)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "youthlab.hub.lazy_nbgrader"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    base = serverapp.web_app.settings["base_url"]
    pattern = url_path_join(base, f"({'|'.join(PATHS)})(/.*)?$")
    # what tornado's Application.add_handlers does (before the catch-all wildcard rule);
    # jupyter_server's add_handlers itself only takes handler classes, not a router
    app = serverapp.web_app
    rules = [routing.Rule(routing.PathMatches(re.compile(pattern)), LazyRouter(serverapp))]
    app.default_router.rules.insert(-1, routing.Rule(routing.HostMatches(".*$"), routing.RuleRouter(rules)))
