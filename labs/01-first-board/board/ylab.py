# ylab: the board side of YouthLab's data channel. Copy to the board (deploy does it
# for labs that use it) and send readings that the notebook plots live:
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
