"""The streamed game's kernel side: JPEG frames out, browser input in, flow control."""

from __future__ import annotations

import io
import threading

from PIL import Image

from youthlab.games.stream import GameWidget


def test_frames_stream_and_browser_keys_move_the_player(tmp_path):
    w = GameWidget("robot-postman", lang="en", scores_dir=tmp_path, idle_seconds=60)
    frames: list[tuple[dict, bytes]] = []
    got = threading.Condition()

    def send(content, buffers=None):
        with got:
            frames.append((content, bytes(buffers[0])))
            got.notify_all()

    w.send = send
    try:
        w._on_msg(w, {"type": "ready"}, [])

        def wait_frames(n: int) -> None:
            with got:
                assert got.wait_for(lambda: len(frames) >= n, timeout=10)

        wait_frames(1)
        img = Image.open(io.BytesIO(frames[0][1]))
        assert img.format == "JPEG" and img.size == (1280, 720)
        # flow control: nothing shown yet, so no more than 2 frames are in flight
        with got:
            assert not got.wait_for(lambda: len(frames) > 2, timeout=0.5)
        assert frames[-1][0]["state"] == "attract"
        w._on_msg(w, {"type": "key", "key": " ", "down": True, "seq": 1}, [])
        w._on_msg(w, {"type": "key", "key": " ", "down": False, "seq": 2}, [])
        w._on_msg(w, {"type": "key", "key": "ArrowUp", "down": True, "seq": 3}, [])
        x0 = w.shell.game.body.x
        for seq in range(1, 40):
            w._on_msg(w, {"type": "shown", "seq": seq}, [])
            wait_frames(seq + 2)
        assert frames[-1][0]["state"] == "play" and frames[-1][0]["ack"] == 3
        assert w.shell.game.body.x > x0 + 2  # the car drove east
        # junk from a page is ignored, not raised
        w._on_msg(w, {"type": "key", "key": "x" * 500, "down": True}, [])
        w._on_msg(w, {"type": "pointer", "kind": "down", "pos": "nope"}, [])
        w._on_msg(w, ["not", "a", "dict"], [])
    finally:
        w.stop()
        w._thread.join(timeout=5)
    assert not w._thread.is_alive()
