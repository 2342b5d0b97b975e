"""Run this hall game alone: `python games/sorting-office` (options: --kiosk, --board virtual, --lang en)."""

from youthlab.games.cli import main

main("sorting-office")
