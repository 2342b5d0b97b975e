# Not a Python package for CPython use: this folder goes on MICROPYPATH for the
# MicroPython fast grader (youthlab.robot.mpyrun). The file only makes packaging ship it.
