# 그냥 앞으로 · Just drive forward (a naive program that should not pass)
from robot import Robot

bot = Robot()
bot.forward(60, seconds=5)
