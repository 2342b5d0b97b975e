# 동아리 코드 · The club's code: runs when the board starts.
from machine import Pin

LED_PIN = 2
led = Pin(LED_PIN, Pin.OUT)
led.on()
print("club board ready")
