# ylab: the board side of YouthLab's data channel. Every deploy puts it in the board's
# lib/ (this file is its one source) so board code can send readings the notebook plots:
#
#     import ylab
#     ylab.send(temp=23.5, light=512)
#
# Each call prints one line "@ylab {json}"; the notebook's Session keeps these lines
# out of the normal output and adds them to `board.data` (plot, CSV export).
import json


def send(**values):
    print("@ylab", json.dumps(values))


def log(name, value):
    send(**{name: value})
