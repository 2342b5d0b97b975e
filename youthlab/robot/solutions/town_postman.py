# 로봇 집배원 (예시 답안) · Robot postman (sample solution)
# 길(검은 선)을 따라가다가 '점'(교차로의 네모, 집 앞 표시)에 닿으면 ROUTE의 다음 할 일을 해요.
# Follow the street; at every node (a crossing square or a door mark) do the next step of ROUTE.
#   S = 곧장 가기 · straight on      L / R = 왼쪽 / 오른쪽으로 · turn left / right
#   U = 뒤로 돌기 (집 앞에서만) · turn back (at a door only)
#   D = 여기서 편지 배달 (그 자리에 있어요) · deliver a letter here (the robot stays on this node)
from robot import Robot

ROUTE = ["S", "S", "S", "D",           # 꽃길 2 · 2 Flower Rd
         "S", "L", "R", "D",           # 해오름길 5 · 5 Sunrise St
         "S", "L", "L", "S", "S", "L", "D"]  # 별빛길 6 · 6 Starlight Ave

SPEED = 50
bot = Robot()


def follow_to_node():
    """선을 따라 다음 점까지 가요 · follow the line to the next node."""
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


def cross_node():
    """점을 곧장 지나가요 · drive straight over the node."""
    bot.forward(SPEED)
    while bot.line() == (1, 1, 1):
        bot.wait(0.01)


def turn(direction):
    """점 한가운데까지 가서 새 길을 찾을 때까지 돌아요 · go to the middle, spin onto the new street."""
    bot.forward(SPEED, seconds=0.6)
    bot.turn(direction, 40, seconds=0.35)
    bot.turn(direction, 40)
    while not bot.line()[1]:
        bot.wait(0.005)
    bot.stop()


follow_to_node()
for step in ROUTE:
    if step == "D":
        bot.deliver()
        continue
    if step == "S":
        cross_node()
    elif step == "U":
        turn("left")
    else:
        turn("left" if step == "L" else "right")
    follow_to_node()
bot.stop()
print("all letters delivered")
