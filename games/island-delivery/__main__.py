"""Run this hall game alone: `python games/island-delivery` (options: --kiosk, --board virtual, --lang en)."""

from youthlab.games.cli import main

main("island-delivery")
