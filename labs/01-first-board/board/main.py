# main.py runs by itself when the board starts (after a reset or power-on).
# main.py는 보드가 켜지면(리셋 후에도) 저절로 실행돼요.
from machine import Pin
import time

led = Pin(2, Pin.OUT)
for _ in range(3):
    led.on()
    time.sleep(0.2)
    led.off()
    time.sleep(0.2)
print("main.py: ready / 준비 완료")
