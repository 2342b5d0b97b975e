"""Notebook integration: YouthLab errors show as a friendly box, not a traceback.

Loaded in every student kernel (the spawner writes ``c.InteractiveShellApp.extensions``
into the home's IPython config) or by hand with ``%load_ext youthlab``.
"""

from __future__ import annotations

from typing import Any

from youthlab.errors import YouthLabError
from youthlab.hub.limits import prefer_this_process_on_oom


def _show_youthlab_error(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
    from IPython.display import HTML, display

    display(HTML(value._repr_html_()))  # type: ignore[attr-defined]
    print(value.user_text())  # plain text too, for consoles and logs  # type: ignore[attr-defined]
    return None


def load_ipython_extension(ipython: Any) -> None:
    ipython.set_custom_exc((YouthLabError,), _show_youthlab_error)
    prefer_this_process_on_oom()  # out of memory: this kernel goes before the student's server
    # Areas add their magics when they are installed (e.g. %%board).
    try:
        from youthlab.boards import magic as board_magic
    except ImportError:
        return
    if hasattr(board_magic, "load_ipython_extension"):
        board_magic.load_ipython_extension(ipython)
