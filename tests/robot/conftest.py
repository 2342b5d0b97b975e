"""Robot tests keep board state (locks, virtual board files) in a private folder."""

import os
import tempfile

os.environ.setdefault("YOUTHLAB_DATA_DIR", tempfile.mkdtemp(prefix="ylab-robot-test-"))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
