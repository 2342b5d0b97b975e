"""Deploy: sync a lab folder to a board — only what changed, never half-written.

One round trip asks the board for the sha256 of every target file (computed ON the
board with ``hashlib``; boards without it keep a ``.ylab-manifest.json``), creates the
folders and removes leftovers of an interrupted deploy. Changed files are then sent in
a few large raw-paste execs, each file deflate-compressed and base64-encoded when the
board has ``deflate`` and ``binascii`` (plain base64, or ``repr`` bytes, otherwise),
written to ``<name>.ylab-tmp``, hash-checked on the board, and only then renamed over
the old file. A cable pulled at any moment leaves every file either old or new.

The board libraries (``hardware/micropython``) have one source: a deploy adds them to the
board's ``lib/`` (on ``sys.path`` of every MicroPython port), hash-skipped like the rest —
``ylab`` (the board half of the data channel that ``%board plot`` reads) always, and any
other library a deployed ``.py`` file imports (``import robot``). A file of the same name
in the folder wins, so a lab or a club can pin its own copy.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol

from youthlab.boards.errors import BoardCodeError, BoardError, DeployError
from youthlab.i18n import t
from youthlab.paths import hardware_dir


class Board(Protocol):
    """What deploy needs of a board: run code, get its output (a :class:`Session`)."""

    def exec(self, code: str, *, on_output: Callable[[str], None] | None = None,
             remember: bool = True) -> str: ...

TMP_SUFFIX = ".ylab-tmp"
MANIFEST = ".ylab-manifest.json"
HASH_CHARS = 20  # hex digits of sha256 compared (80 bits)
WBITS = 10  # deflate window: 1 KiB of RAM on the board to decompress
PIECE = 4096  # bytes of a file per call: what the board must hold in RAM at once
SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints", ".git", ".DS_Store"}
LIBRARY_DEST = "lib"  # where board libraries go on the board
ALWAYS_LIBRARIES = ("ylab",)  # the data channel: every deployed board can `ylab.send`
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\w+)|import[ \t]+([\w \t.,]+))", re.MULTILINE)


@dataclass
class DeployResult:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)  # board libraries sent with the folder
    file_bytes: int = 0  # size of the files sent
    wire_bytes: int = 0  # size of what went over the link for them
    seconds: float = 0.0
    encoding: str = ""

    def summary(self, lang: str | None = None) -> str:
        text = t("boards.deploy.summary", lang, sent=len(self.sent), skipped=len(self.skipped),
                 deleted=len(self.deleted), kib=self.file_bytes / 1024, seconds=self.seconds)
        if self.libraries:
            text += " · " + t("boards.deploy.libraries", lang, names=", ".join(self.libraries))
        return text


def local_files(folder: str | os.PathLike, exclude: Iterable[str] = ()) -> dict[str, bytes]:
    """``{board path: content}`` for every file under ``folder`` (POSIX relative paths)."""
    root = Path(folder)
    if root.is_file():
        return {root.name: root.read_bytes()}
    out: dict[str, bytes] = {}
    skip = SKIP_NAMES | set(exclude)
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in skip or part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and not path.name.endswith((".pyc", TMP_SUFFIX)):
            out[rel.as_posix()] = path.read_bytes()
    return out


def board_library_dir() -> Path:
    """The one source of the board libraries (``hardware/micropython``)."""
    return hardware_dir() / "micropython"


def imported_modules(source: str) -> set[str]:
    """Top-level names of the modules ``source`` imports (MicroPython code need not
    parse as CPython, so the import lines are read as text)."""
    names: set[str] = set()
    for frm, imp in _IMPORT.findall(source):
        if frm:
            names.add(frm)
        else:
            for part in imp.split(","):
                words = part.split()
                if words:
                    names.add(words[0].split(".")[0])
    return names


def board_libraries(files: dict[str, bytes], library_dir: Path | None = None) -> dict[str, bytes]:
    """``{board path: content}`` of the board libraries the deployed ``files`` need and
    do not carry: :data:`ALWAYS_LIBRARIES` and every library their ``.py`` files (or
    those libraries) import, found in :func:`board_library_dir`."""
    folder = board_library_dir() if library_dir is None else library_dir
    available = {path.stem: path for path in folder.glob("*.py")}
    carried = {rel.rsplit("/", 1)[-1][:-3] for rel in files
               if rel.endswith(".py") and (rel.count("/") == 0 or rel.startswith(LIBRARY_DEST + "/"))}
    wanted = [name for name in ALWAYS_LIBRARIES if name in available]
    for rel, data in files.items():
        if rel.endswith(".py"):
            wanted += sorted(imported_modules(data.decode("utf-8", "replace")) & available.keys())
    out: dict[str, bytes] = {}
    while wanted:
        name = wanted.pop(0)
        path = f"{LIBRARY_DEST}/{name}.py"
        if name in carried or path in out:
            continue
        data = available[name].read_bytes()
        out[path] = data
        wanted += sorted(imported_modules(data.decode("utf-8", "replace")) & available.keys())
    return out


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_CHARS]


# Board-side code. Kept small: it is sent on every deploy.
_PROBE = """\
import os
try:
 import hashlib
except ImportError:
 hashlib=None
try:
 import binascii
 B=1
except ImportError:
 B=0
try:
 import deflate,io
 D=1
except ImportError:
 D=0
def _ylh(p):
 try:
  h=hashlib.sha256();b=bytearray(512);m=memoryview(b)
  with open(p,'rb') as f:
   while 1:
    n=f.readinto(b)
    if not n:break
    h.update(m[:n])
  return binascii.hexlify(h.digest())[:{n}].decode()
 except OSError:
  return None
for d in {dirs!r}:
 try:os.mkdir(d)
 except OSError:pass
for p in {paths!r}:
 try:os.remove(p+'{tmp}')
 except OSError:pass
print(repr((hashlib is not None and B,B,D,[_ylh(p) for p in {paths!r}] if hashlib and B else None)))
"""

_WRITER = """\
import os
def _ylw(p,d,z,h,a=0,e=1):
 t=p+'{tmp}'
 f=open(t,'ab' if a else 'wb')
 if z:
  s=deflate.DeflateIO(io.BytesIO(binascii.a2b_base64(d)),deflate.RAW,{wbits})
  b=bytearray(512);m=memoryview(b)
  while 1:
   n=s.readinto(b)
   if not n:break
   f.write(m[:n])
 elif z is None:
  f.write(d)
 else:
  f.write(binascii.a2b_base64(d))
 f.close()
 if not e:
  return
 if h and _ylh(t)!=h:
  os.remove(t)
  raise OSError('hash mismatch '+p)
 os.rename(t,p)
"""


def _encode(data: bytes, caps: dict) -> tuple[str, str]:
    """(python expression of the payload, encoding name) for one file."""
    if caps["binascii"]:
        b64 = base64.b64encode(data).decode()
        if caps["deflate"] and len(data) > 64:
            co = zlib.compressobj(9, zlib.DEFLATED, -WBITS)
            packed = base64.b64encode(co.compress(data) + co.flush()).decode()
            if len(packed) < len(b64):
                return f"'{packed}',1", "deflate+base64"
        return f"'{b64}',0", "base64"
    return f"{data!r},None", "repr"


def deploy(
    session: Board,
    folder: str | os.PathLike,
    *,
    dest: str = "",
    delete: bool = False,
    progress: bool | Callable[[int, int], None] = True,
    batch_bytes: int = 8192,
    exclude: Iterable[str] = (),
    libraries: bool = True,
) -> DeployResult:
    """Sync ``folder`` to the board's ``dest`` folder; returns what was sent/skipped.

    ``delete=True`` also removes board files that were deployed before (listed in the
    board's manifest) but are no longer in the folder. ``libraries`` adds the board
    libraries the folder needs (:func:`board_libraries`) under ``lib/``; only those sent
    are reported (:attr:`DeployResult.libraries`), not those already current.
    """
    started = time.monotonic()
    files = local_files(folder, exclude)
    prefix = dest.strip("/")
    paths = {rel: (f"{prefix}/{rel}" if prefix else rel) for rel in files}
    by_target = {paths[rel]: data for rel, data in files.items()}
    library_targets: set[str] = set()
    for lib_path, data in (board_libraries(files) if libraries else {}).items():
        if lib_path not in by_target:
            by_target[lib_path] = data
            library_targets.add(lib_path)
    dirs: list[str] = []
    for board_path in by_target:
        parts = board_path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in dirs:
                dirs.append(d)
    targets = list(by_target)
    result = DeployResult()

    try:
        session.exec("import os\nos.chdir('/')", on_output=lambda s: None, remember=False)
    except BoardCodeError:
        pass  # boards without chdir: paths stay relative to the current folder
    probe = _PROBE.format(n=HASH_CHARS, dirs=dirs, paths=targets, tmp=TMP_SUFFIX)
    try:
        out = session.exec(probe, on_output=lambda s: None, remember=False)
        import ast

        has_hash, has_b64, has_deflate, remote = ast.literal_eval(out.strip().splitlines()[-1])
    except (BoardCodeError, ValueError, SyntaxError, IndexError) as exc:
        raise DeployError(detail=str(exc)) from None
    caps = {"binascii": bool(has_b64), "deflate": bool(has_deflate), "hash": bool(has_hash)}
    manifest = _read_manifest(session) if (delete or not caps["hash"]) else {}
    remote_hash = dict(zip(targets, remote)) if remote is not None else manifest

    todo: list[tuple[str, bytes, str]] = []
    for target, data in by_target.items():
        digest = _digest(data)
        if remote_hash.get(target) == digest:
            if target not in library_targets:
                result.skipped.append(target)
        else:
            todo.append((target, data, digest))

    # Build batches of writer calls, each a single raw-paste exec.
    calls: list[tuple[str, str, int, int]] = []  # (call, target, file bytes, wire bytes)
    encodings = set()
    for target, data, digest in todo:
        # Big files travel in pieces (appended to the temp file), so the board never
        # holds more than one piece in RAM; the hash check and rename come with the last.
        pieces = [data[i:i + PIECE] for i in range(0, len(data), PIECE)] or [b""]
        h = f"'{digest}'" if caps["hash"] else "None"
        for k, piece in enumerate(pieces):
            payload, enc = _encode(piece, caps)
            encodings.add(enc)
            last = k == len(pieces) - 1
            call = f"_ylw({target!r},{payload},{h},{int(k > 0)},{int(last)})\n"
            calls.append((call, target if last else "", len(piece), len(call)))
    result.encoding = ",".join(sorted(encodings))
    total_wire = sum(c[3] for c in calls)

    bar = _Progress(progress, total_wire, len(calls))
    try:
        if calls:
            setup = _WRITER.format(tmp=TMP_SUFFIX, wbits=WBITS)
            batch, size = [setup], len(setup)
            pending: list[tuple[str, int, int]] = []
            for call, target, nbytes, wire in calls:
                if pending and size + wire > batch_bytes:
                    _send(session, batch, pending, result, bar, library_targets)
                    batch, size, pending = [], 0, []
                batch.append(call)
                size += wire
                pending.append((target, nbytes, wire))
            _send(session, batch, pending, result, bar, library_targets)
        if delete:
            result.deleted = _delete_stale(session, manifest, set(targets), caps)
        if not caps["hash"] or delete:
            new_manifest = {p: h for p, h in manifest.items() if p not in result.deleted}
            new_manifest.update({target: _digest(data) for target, data in by_target.items()})
            _write_manifest(session, new_manifest)
        session.exec("for _n in ('_ylw','_ylh','_n'):\n globals().pop(_n,None)",
                     on_output=lambda s: None, remember=False)
    finally:
        bar.close()
    result.seconds = time.monotonic() - started
    return result


def _send(session: Board, batch: list[str], pending: list[tuple[str, int, int]],
          result: DeployResult, bar: "_Progress", library_targets: set[str] = frozenset()) -> None:
    try:
        session.exec("".join(batch), on_output=lambda s: None, remember=False)
    except BoardCodeError as exc:
        raise DeployError(detail=exc.params.get("last", "")) from None
    except BoardError:
        raise
    for target, nbytes, wire in pending:
        if target:
            (result.libraries if target in library_targets else result.sent).append(target)
        result.file_bytes += nbytes
        result.wire_bytes += wire
        bar.advance(wire)


def _read_manifest(session: Board) -> dict[str, str]:
    code = (f"try:\n with open('{MANIFEST}') as f:print(f.read())\n"
            "except OSError:\n print('{}')")
    try:
        return json.loads(session.exec(code, on_output=lambda s: None, remember=False))
    except (BoardError, ValueError):
        return {}


def _write_manifest(session: Board, manifest: dict[str, str]) -> None:
    text = json.dumps(manifest, sort_keys=True)
    code = (f"import os\nf=open('{MANIFEST}{TMP_SUFFIX}','w')\nf.write({text!r})\nf.close()\n"
            f"os.rename('{MANIFEST}{TMP_SUFFIX}','{MANIFEST}')")
    session.exec(code, on_output=lambda s: None, remember=False)


def _delete_stale(session: Board, manifest: dict[str, str], keep: set[str], caps: dict) -> list[str]:
    stale = [p for p in manifest if p not in keep]
    if stale:
        code = f"import os\nfor p in {stale!r}:\n try:os.remove(p)\n except OSError:pass"
        session.exec(code, on_output=lambda s: None, remember=False)
    return stale


class _Progress:
    """A rich progress bar (or a callback, or nothing)."""

    def __init__(self, progress: bool | Callable[[int, int], None], total: int, nfiles: int) -> None:
        self.callback = progress if callable(progress) else None
        self.total, self.done = total, 0
        self._rich = None
        if progress is True and nfiles:
            try:
                from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

                self._rich = Progress(TextColumn(t("boards.deploy.progress")), BarColumn(),
                                      DownloadColumn(), TransferSpeedColumn(), transient=True)
                self._rich.start()
                self._task = self._rich.add_task("deploy", total=total)
            except Exception:
                self._rich = None

    def advance(self, n: int) -> None:
        self.done += n
        if self.callback:
            self.callback(self.done, self.total)
        if self._rich is not None:
            self._rich.update(self._task, completed=self.done)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None
