# 미로 탈출 (예시 답안): 오른손 법칙 · Maze escape (sample solution): the right-hand rule
# 칸 가운데(검은 네모)에 올 때마다: 오른쪽이 열렸으면 오른쪽, 아니면 앞, 아니면 왼쪽, 아니면 뒤로.
# At every cell centre (the dark square): go right if open, else straight, else left, else back.
from robot import Robot

SPEED = 50
QUARTER = 0.99     # 40 % 세기로 90도 도는 시간(초) · seconds to spin 90 degrees at 40 %
OPEN = 20          # 앞에 20 cm보다 먼 벽이면 열린 길 · a wall further than 20 cm means open
bot = Robot()


def follow_to_node():
    last = "left"
    while True:
        l, c, r = bot.line()
        if l and c and r:
            bot.stop()
            return
        if l and not r:
            bot.drive(0, SPEED)
            last = "left"
        elif r and not l:
            bot.drive(SPEED, 0)
            last = "right"
        elif c:
            bot.drive(SPEED, SPEED)
        elif last == "left":
            bot.drive(-30, 40)
        else:
            bot.drive(40, -30)
        bot.wait(0.01)


def quarter(direction):
    bot.turn(direction, 40, seconds=QUARTER)
    bot.wait(0.2)


def is_open():
    return bot.distance() > OPEN


follow_to_node()
while True:
    bot.forward(SPEED, seconds=0.6)        # 네모 한가운데로 · to the middle of the square
    bot.wait(0.2)
    quarter("right")
    if not is_open():
        quarter("left")
        if not is_open():
            quarter("left")
            if not is_open():
                quarter("left")
    bot.forward(SPEED, seconds=0.4)        # 네모에서 벗어나기 · leave the square
    follow_to_node()
