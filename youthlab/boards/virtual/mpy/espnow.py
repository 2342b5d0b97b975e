# `espnow`: a real board has a radio for it; the virtual board has none (ImportError that
# says so, in the learner's language).
import _ylab_io as _io

raise ImportError(_io.text("machine.needs_hardware", module="espnow"))
