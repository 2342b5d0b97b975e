"""Which JupyterLab front-end extensions a kiosk app's page loads.

Voila's page loads every installed lab extension on every visit (its ``remoteEntry`` and
its plugin modules) before it asks for the kernel: anywidget's alone is ~550 KB of
scripts that each visitor's browser evaluates, for apps that show no anywidget. A page
needs only:

- the extensions of Voila itself and of the packages Voila's page depends on (the
  widget manager, ipywidgets' front-end, …), and
- the extensions of the Python packages the app imports, directly or through other
  packages.

Which package an extension belongs to is read from the installed distributions' file
lists (the distribution that installed ``share/jupyter/labextensions/<name>``). Which
packages an app imports is read without running anything: the ``import`` statements of
its notebook's code cells and, following them, of the modules beside the notebook and
of this project's own modules (every statement, those inside functions too, so an app
that imports a widget library on a click still gets its front-end; IPython's extension
hooks only for a module the notebook loads with ``%load_ext``); a third-party package
brings the packages its distribution requires. An extension that no
distribution claims is always loaded (nothing tells it is unused).

``KioskSettings.frontend_extensions = "all"`` loads every installed extension, as plain
Voila does (for an app that imports a widget library by a name computed at run time).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

#: The kiosk settings' values (``KioskSettings.frontend_extensions``).
APP, ALL = "app", "all"
#: The distribution whose page the kiosk serves: what it needs, every page needs.
PAGE_DISTRIBUTION = "voila"
#: Modules followed through their source (the rest through their distribution's requirements).
OWN_PACKAGE = __name__.split(".")[0]
_EXTENSION_FILE = re.compile(r"share/jupyter/(?:voila/)?labextensions/((?:@[^/]+/)?[^/]+)/package\.json$")
#: IPython runs these on ``%load_ext <module>`` only, never on import.
EXTENSION_HOOKS = ("load_ipython_extension", "unload_ipython_extension")
_LOAD_EXT = re.compile(r"^\s*%(?:re)?load_ext\s+([\w.]+)", re.MULTILINE)
#: Source files read per app at most (a runaway import graph stays bounded).
MAX_MODULES = 2000


@lru_cache(maxsize=1)
def extension_owners() -> dict[str, str]:
    """Installed lab extension name → the (canonical) distribution that installed it."""
    owners: dict[str, str] = {}
    for dist in metadata.distributions():
        record = dist.read_text("RECORD") or dist.read_text("SOURCES.txt") or ""
        if "labextensions/" not in record:
            continue
        name = dist.metadata["Name"]
        for line in record.splitlines():
            found = _EXTENSION_FILE.search(line.split(",")[0].replace("\\", "/"))
            if found and name:
                owners.setdefault(found.group(1), canonicalize_name(name))
    return owners


def required_closure(distributions: Iterable[str]) -> set[str]:
    """The distributions and every distribution they require, transitively (no extras)."""
    seen: set[str] = set()
    todo = [canonicalize_name(d) for d in distributions]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_requirements(name))
    return seen


@lru_cache(maxsize=None)
def _requirements(name: str) -> tuple[str, ...]:
    try:
        lines = metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        return ()
    wanted = []
    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            wanted.append(canonicalize_name(req.name))
    return tuple(wanted)


@lru_cache(maxsize=1)
def _module_distributions() -> dict[str, tuple[str, ...]]:
    return {module: tuple(canonicalize_name(d) for d in dists)
            for module, dists in metadata.packages_distributions().items()}


def _imports(source: str, module: str, is_package: bool) -> tuple[set[str], set[str]]:
    """Absolute names of the modules ``source`` (of ``module``) may import: anywhere but in
    IPython's extension hooks, and in those hooks."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set(), set()
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    in_hooks: set[str] = set()

    def names(node: ast.Import | ast.ImportFrom) -> set[str]:
        if isinstance(node, ast.Import):
            return {alias.name for alias in node.names}
        base = node.module or ""
        if node.level:
            parts = package.split(".") if package else []
            parts = parts[:len(parts) - (node.level - 1)] if node.level > 1 else parts
            base = ".".join(filter(None, [*parts, base]))
        if not base:
            return set()
        return {base} | {f"{base}.{alias.name}" for alias in node.names if alias.name != "*"}

    def visit(node: ast.AST, in_hook: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                (in_hooks if in_hook else found).update(names(child))
            hook = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and child.name in EXTENSION_HOOKS
            visit(child, in_hook or hook)

    visit(tree, False)
    return found, in_hooks


def _notebook_sources(notebook: Path) -> tuple[list[str], set[str]]:
    """The notebook's code cells as Python, and the modules it loads with ``%load_ext``."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    sources, extensions = [], set()
    for cell in cells:
        if cell.get("cell_type") == "code":
            text = "".join(cell.get("source", []))
            extensions.update(_LOAD_EXT.findall(text))
            # IPython's own lines (%magic, !shell) are no Python: leave them out.
            sources.append("\n".join(line for line in text.splitlines()
                                     if not line.lstrip().startswith(("%", "!"))))
    return sources, extensions


def _is_local(top: str, local_dir: Path) -> bool:
    return (local_dir / f"{top}.py").is_file() or (local_dir / top / "__init__.py").is_file()


def _followed(top: str, local_dir: Path) -> bool:
    """Modules read through their source: beside the notebook, and this project's."""
    return top == OWN_PACKAGE or _is_local(top, local_dir)


def _module_file(name: str, local_dir: Path) -> tuple[Path, bool] | None:
    """The source file of a followed module (beside the notebook, or of this project)."""
    parts = name.split(".")
    top = parts[0]
    if _is_local(top, local_dir):
        root = local_dir
    elif top == OWN_PACKAGE:
        spec = importlib.util.find_spec(top)  # a top-level spec imports nothing
        if spec is None or not spec.submodule_search_locations:
            return None
        root = Path(next(iter(spec.submodule_search_locations))).parent
    else:
        return None
    base = root.joinpath(*parts)
    if (base / "__init__.py").is_file():
        return base / "__init__.py", True
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py"), False
    return None


def app_distributions(notebook: Path) -> set[str]:
    """The distributions whose packages the app may import (not their requirements yet).

    Every import statement counts, those inside functions too (the stamp app imports its
    3-D preview, an anywidget, when it first shows a stamp): in the notebook's code and in
    the modules of this project or beside the notebook that it reaches, followed through
    their source. IPython's extension hooks (``load_ipython_extension``) count only for a
    module the notebook loads with ``%load_ext``: importing ``youthlab`` does not run
    its hook, which reaches every area of the project."""
    local_dir = notebook.parent
    sources, extensions = _notebook_sources(notebook)
    todo: list[str] = [*extensions]
    for source in sources:
        todo.extend(_imports(source, "", False)[0])
    seen: set[str] = set()
    tops: set[str] = set()
    hooked = set(extensions)
    while todo and len(seen) < MAX_MODULES:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parents run first
        if not _followed(parts[0], local_dir):
            tops.add(parts[0])
            continue
        found = _module_file(name, local_dir)
        if found is None:  # a name inside a module, not a module
            continue
        path, is_package = found
        try:
            anywhere, in_hooks = _imports(path.read_text(encoding="utf-8"), name, is_package)
        except (OSError, UnicodeDecodeError):
            continue
        todo.extend(anywhere)
        if name in hooked:  # a loaded extension's hook runs, and the hooks it calls
            todo.extend(in_hooks)
            hooked.update(in_hooks)
    modules = _module_distributions()
    return {dist for top in tops if top not in sys.stdlib_module_names for dist in modules.get(top, ())}


@lru_cache(maxsize=64)
def _needed_for(notebook: str, mtime_ns: int) -> frozenset[str]:
    return frozenset(required_closure([PAGE_DISTRIBUTION, *app_distributions(Path(notebook))]))


def needed_distributions(notebook: Path) -> frozenset[str]:
    """The distributions whose front-end the app's page may need (kept while the notebook
    file is unchanged)."""
    return _needed_for(str(notebook), notebook.stat().st_mtime_ns)


def page_extensions(extensions: list[dict], notebook: Path) -> list[dict]:
    """Voila's ``federated_extensions`` list, without those the app never needs."""
    owners = extension_owners()
    needed = needed_distributions(notebook)
    return [ext for ext in extensions if owners.get(ext.get("name", "")) in needed
            or ext.get("name", "") not in owners]


def frontend_extensions_hook(mode: str, notebook_file: Callable[[str], Path | None]) -> Any:
    """A Voila ``page_config_hook`` step that leaves out the extensions the page's app never
    needs (``mode`` ``app``), or keeps every one (``all``). ``notebook_file`` maps Voila's
    notebook path to the file (None: keep every extension)."""

    def hook(page_config: dict, notebook_path: str | None = None, **_: Any) -> dict:
        if mode != APP or not notebook_path:
            return page_config
        notebook = notebook_file(notebook_path)
        if notebook is None:
            return page_config
        page_config["federated_extensions"] = page_extensions(page_config.get("federated_extensions", []),
                                                              notebook)
        return page_config

    return hook
