"""What a visitor or student can ask the stamp lab to build, as functions a budgeted child
process runs (:func:`youthlab.stamp.budget.run_limited`): each builds the stamp *and* its
printability report, since the check is as costly as the build on a hostile design.

    stamp, report = budgeted(text_job, "우체국", 10)
"""

from __future__ import annotations

from typing import Any

from youthlab.stamp.budget import run_limited


def text_job(text: str, size: float = 10.0, nozzle: float | None = None, **options: Any):
    from youthlab.stamp.compose import text_stamp

    stamp = text_stamp(text, size, **options)
    return stamp, stamp.check(nozzle=nozzle)


def image_job(picture: Any, levels: int = 1, nozzle: float | None = None, threshold: float | None = None,
              **options: Any):
    from youthlab.stamp.image import image_stamp, terrace_stamp

    if levels > 1:
        stamp = terrace_stamp(picture, levels=levels, **options)
    else:
        stamp = image_stamp(picture, threshold=threshold, **options)
    return stamp, stamp.check(nozzle=nozzle)


def postage_job(picture: Any = None, shape: str | None = None, picture_width: float = 30.0,
                threshold: float | None = None, nozzle: float | None = None, **options: Any):
    from youthlab.stamp.compose import postage_stamp
    from youthlab.stamp.image import image_outline
    from youthlab.stamp.shapes import shape as make_shape

    pic = None
    if picture is not None:
        pic = image_outline(picture, width=picture_width, threshold=threshold)
    elif shape:
        pic = make_shape(shape, 20)
    stamp = postage_stamp(pic, **options)
    return stamp, stamp.check(nozzle=nozzle)


def check_file_job(path: str, nozzle: float | None = None, profile: str | None = None):
    """Check an STL/3MF someone made (not necessarily with YouthLab)."""
    from youthlab.stamp.export import load_mesh
    from youthlab.stamp.printability import check

    return check(load_mesh(path), nozzle=nozzle, profile=profile)


def budgeted(job, *args: Any, **kwargs: Any):
    """Run a job with the stamp budget (memory, CPU, wall clock)."""
    return run_limited(job, *args, **kwargs)
