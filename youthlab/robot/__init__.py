"""The robot postman lab: a 2-D robot car simulator, worlds, runners, checkers and views.

The student's program is a MicroPython file using ``hardware/micropython/robot.py``; the
same file runs on a real robot car, on a virtual board driving :mod:`youthlab.robot.car`,
and in the fast grader (:mod:`youthlab.robot.runner`) where ``time.sleep`` advances a
simulated clock.
"""
