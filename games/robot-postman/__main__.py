"""Run this hall game alone: `python games/robot-postman` (options: --kiosk, --board virtual, --lang en)."""

from youthlab.games.cli import main

main("robot-postman")
