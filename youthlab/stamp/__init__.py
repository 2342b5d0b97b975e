"""Stamp lab: text or a drawing → watertight, mirrored 3-D stamp → printability report →
PrusaSlicer G-code → the hall's OctoPrint print queue.

    from youthlab.stamp import text_stamp
    s = text_stamp("우체국", size=10, plate="round", border=1)
    s.check()            # printability report (with a picture of problem spots)
    s.save("stamp.stl")  # .stl .3mf .png (ink print) .gcode
"""

from __future__ import annotations

from youthlab.stamp.compose import Stamp, StampOptions, compose, postage_stamp, text_stamp
from youthlab.stamp.image import image_outline, image_stamp
from youthlab.stamp.text import text_outline

__all__ = ["Stamp", "StampOptions", "compose", "image_outline", "image_stamp", "postage_stamp",
           "text_outline", "text_stamp"]
