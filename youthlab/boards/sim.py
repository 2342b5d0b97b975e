"""Old name of :mod:`youthlab.boards.simulator` (kept while importers move over)."""

from youthlab.boards.simulator import MPY_DIR, PROFILES, BoardSimulator, I2CDevice, SimServer, board_profile

__all__ = ["MPY_DIR", "PROFILES", "BoardSimulator", "I2CDevice", "SimServer", "board_profile"]
