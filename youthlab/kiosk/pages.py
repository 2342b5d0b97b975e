"""Our own kiosk pages (launcher, wait, not found, staff) from the Jinja templates in
``youthlab/kiosk/templates``, in the visitor's language (autoescaped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from youthlab.i18n import t

TEMPLATES = Path(__file__).with_name("templates")
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_page(template: str, lang: str, **context: Any) -> str:
    """``templates/<template>`` with ``t(key, **params)`` speaking ``lang``."""
    def say(key: str, **params: Any) -> str:
        return t(key, lang, **params)

    context.setdefault("refresh", None)
    return _env.get_template(template).render(lang=lang, t=say, **context)
