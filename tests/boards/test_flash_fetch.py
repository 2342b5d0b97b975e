"""`youthlab flash fetch` against a loopback HTTP server: a pinned file lands in the cache;
a file that differs from its pin is refused and never kept; an offline URL says what to do."""

from __future__ import annotations

import hashlib
import http.server
import threading
from functools import partial
from pathlib import Path

import pytest

from tests.conftest import free_port
from youthlab.boards.flash.catalog import fetch, firmware_for
from youthlab.boards.flash.errors import FetchFailed, FirmwareChecksum


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def catalog(tmp: Path, url: str, pinned: bytes) -> Path:
    path = tmp / "firmware.yaml"
    path.write_text(f"families:\n  rp2-pico:\n    method: uf2\n    uf2_family: 0xE48BFF56\n    version: '1'\n"
                    f"    file: pico.uf2\n    url: {url}\n    sha256: '{hashlib.sha256(pinned).hexdigest()}'\n"
                    f"    size: {len(pinned)}\n")
    return path


def test_fetch_keeps_only_the_pinned_file(tmp_path, served):
    root, base = served
    good = bytes(range(256)) * 100
    (root / "pico.uf2").write_bytes(good)
    cache = tmp_path / "cache"
    seen = []
    path = fetch(firmware_for("rp2-pico", catalog(tmp_path, f"{base}/pico.uf2", good)), cache,
                 progress=lambda d, t: seen.append((d, t)))
    assert path.read_bytes() == good and seen[-1] == (len(good), len(good))

    (root / "evil.uf2").write_bytes(b"\0" * len(good))  # same size, other content
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(FirmwareChecksum):
        fetch(firmware_for("rp2-pico", catalog(other, f"{base}/evil.uf2", good)), other / "cache")
    assert list((other / "cache").iterdir()) == []  # nothing kept, no partial file


def test_unreachable_url_is_a_clear_error(tmp_path):
    fw = firmware_for("rp2-pico", catalog(tmp_path, f"http://127.0.0.1:{free_port()}/pico.uf2", b"x"))
    with pytest.raises(FetchFailed) as err:
        fetch(fw, tmp_path / "cache", timeout=5)
    assert "cache" in err.value.hint("en") and err.value.hint("ko")


def test_unpinned_download_is_kept_but_not_used(tmp_path, served):
    from youthlab.boards.flash.errors import FirmwareUnpinned

    root, base = served
    (root / "pico.uf2").write_bytes(b"u" * 512)
    path = tmp_path / "firmware.yaml"
    path.write_text(f"families:\n  rp2-pico:\n    method: uf2\n    uf2_family: 0xE48BFF56\n    version: '1'\n"
                    f"    file: pico.uf2\n    url: {base}/pico.uf2\n    sha256: null\n")
    with pytest.raises(FirmwareUnpinned) as err:
        fetch(firmware_for("rp2-pico", path), tmp_path / "cache")
    assert hashlib.sha256(b"u" * 512).hexdigest() in err.value.message("en")
    assert (tmp_path / "cache" / "pico.uf2").exists()


def test_mentors_must_be_accounts(tmp_path):
    from traitlets.config import Config

    from youthlab.boards.flash.roles import configure_mentor_role
    from youthlab.errors import ConfigError

    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("operator: {username: op}\nclasses:\n  c1: {students: [s1]}\nclub_mentors: [s1, ghost]\n")
    with pytest.raises(ConfigError) as err:
        configure_mentor_role(Config(), accounts)
    assert "ghost" in str(err.value)
    accounts.write_text("operator: {username: op}\nclasses:\n  c1: {students: [s1]}\nclub_mentors: [s1]\n")
    c = Config()
    assert configure_mentor_role(c, accounts) == ["s1"]
    assert c.JupyterHub.load_groups["club-mentors"] == {"users": ["s1"]}
