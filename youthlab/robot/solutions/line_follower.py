# 선 따라가기 (예시 답안) · Line follower (sample solution)
from robot import Robot

bot = Robot()
last = "left"                      # 선을 놓치면 마지막으로 본 쪽으로 돌아요 · search where we last saw it
while True:
    left, centre, right = bot.line()
    if left and centre and right:  # 끝의 검은 네모 · the finish square
        bot.stop()
        break
    if left and not right:
        bot.drive(5, 55)           # 선이 왼쪽에 · line on the left: turn left
        last = "left"
    elif right and not left:
        bot.drive(55, 5)
        last = "right"
    elif centre:
        bot.drive(55, 55)
    elif last == "left":
        bot.drive(-30, 40)
    else:
        bot.drive(40, -30)
    bot.wait(0.01)
print("finish!")
