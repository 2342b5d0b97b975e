"""nbgrader settings for every single-user server of the hub.

The hub puts this folder on each server's ``JUPYTER_CONFIG_PATH`` (see the "teaching"
section at the end of jupyterhub_config.py), so nbgrader's server extensions read it:

- everyone: the exchange is ``<data>/exchange`` (``YOUTHLAB_DATA_DIR``), one folder per
  course, and fetched labs go to ``~/<class>/<lab>`` (so they never collide with the
  labs copied into the home);
- students: their class's course id, and their hub name as nbgrader student id;
- teachers: the course folder of their class (``<data>/courses/<class>``) with that
  course's own settings (timeouts, restoring deleted tests), so formgrader works;
  its *Autograde* button is refused (youthlab/grading/formgrader_guard.py): it would run
  students' code as the teacher. ``youthlab course autograde`` grades in the sandbox.

Everyone uses YouthLab's exchange plugins (youthlab/grading/exchange.py): the exchange
is never world-writable; in isolated mode class groups and folder modes decide who sees
what, and collect refuses a submission made by another system user than the one named.

Per-course settings live in ``<data>/courses/<class>/nbgrader_config.py``, written by
``youthlab course create``. Outside the hub this file sets nothing.
"""

import os

from youthlab.grading.hubwiring import nbgrader_settings

c = get_config()  # noqa: F821 (provided by traitlets)

settings, course_config = nbgrader_settings(os.environ)
if course_config is not None:
    load_subconfig(str(course_config))  # noqa: F821 (provided by traitlets)
for section, values in settings.items():
    for name, value in values.items():
        c[section][name] = value
