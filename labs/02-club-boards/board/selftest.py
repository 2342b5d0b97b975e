# 자체 점검 · Self-test: every line that starts with FAIL marks the board as failed.
import gc
import os

from machine import Pin

problems = []
led = Pin(2, Pin.OUT)
led.on()
if led.value() != 1:
    problems.append("LED pin does not switch on")
led.off()
if "main.py" not in os.listdir():
    problems.append("main.py is missing")
gc.collect()
if gc.mem_free() < 8 * 1024:
    problems.append("less than 8 KB of RAM free")
for p in problems:
    print("FAIL", p)
print("PASS" if not problems else "FAIL")
