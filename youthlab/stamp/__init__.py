"""Stamp lab: text or a drawing → watertight, mirrored 3-D stamp → printability report →
PrusaSlicer G-code → the hall's OctoPrint print queue.

    from youthlab.stamp import text_stamp
    s = text_stamp("우체국", size=10, plate="round", border=1)
    s.check()            # printability report (with a picture of problem spots)
    s.save("stamp.stl")  # .stl .3mf .png (ink print) .gcode
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from youthlab.stamp.compose import Stamp, StampOptions, compose, postage_stamp, text_stamp
    from youthlab.stamp.image import image_outline, image_stamp
    from youthlab.stamp.text import text_outline

# name -> the module it comes from, imported at first use: the hub's services, the print
# service and the CLI load youthlab.stamp.* modules and need not pay for trimesh/manifold3d
# (~1 s per process) until a stamp is made.
_FROM = {"Stamp": "compose", "StampOptions": "compose", "compose": "compose", "postage_stamp": "compose",
         "text_stamp": "compose", "image_outline": "image", "image_stamp": "image", "text_outline": "text"}

__all__ = sorted(_FROM)


def __getattr__(name: str) -> Any:
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loaded = importlib.import_module(f"{__name__}.{module}")
    for exported, source in _FROM.items():  # also rebinds `compose`: the function, not its module
        if source == module:
            globals()[exported] = getattr(loaded, exported)
    return globals()[name]
