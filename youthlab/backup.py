"""`youthlab backup` / `youthlab restore`: the whole hall in one archive, and back.

What goes in (``tar.gz``; owners, modes and numeric ids kept, user and group names too):

- ``data/``: the data folder — hub database, cookie secret, account seeds, courses with
  their gradebooks, the exchange, the print service's queue, the flight and kiosk state,
  demo mode's ``homes/``. SQLite files are copied with SQLite's backup API, so a hub or
  a teacher writing meanwhile still gives a consistent copy. Left out: what the hub
  remakes (pid files, the OctoPrint venv, autograde's scratch folders, SQLite journals).
- ``homes/<system user>/``: in isolated mode, the home of every account in the plan
  (``youthlab.hub.identity.system_user_for``); the manifest records each user's name,
  uid, gid and group so restore can make them again on a fresh machine.
- ``config/``: the accounts file and the curricula in use, for the operator to compare.
- ``MANIFEST.json`` last: path, type, size, sha256, mode, owner of every entry.

Nothing is followed out of a home: a symlink is stored as a symlink, files are opened
with ``O_NOFOLLOW`` and folders walked without following links.

The archive is written to a temporary name next to it and renamed only when complete (a
full disk leaves no half archive). Restore extracts into a temporary folder beside the
target, checks every file against the manifest, and only then moves it into place; a
corrupted archive is refused with the first bad file named, with nothing written.
"""

from __future__ import annotations

import errno
import grp
import hashlib
import io
import json
import os
import pwd
import secrets
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from youthlab.errors import YouthLabError
from youthlab.hub import identity
from youthlab.hub.accounts import load_plan
from youthlab.hub.groups import ensure_group, run_account_tool, sync_class_groups
from youthlab.i18n import t
from youthlab.paths import accounts_file, curricula_dir

FORMAT = 1
MANIFEST = "MANIFEST.json"
SQLITE_MAGIC = b"SQLite format 3\x00"
# Not worth keeping: remade by the hub, or scratch (relative to the data folder).
SKIP_NAMES = {"jupyterhub.pid", "jupyterhub-proxy.pid", "octoprint-venv", ".octoprint-venv.lock",
              ".autograde-work"}
SKIP_SUFFIXES = ("-journal", "-wal", "-shm")
CHUNK = 1 << 20


class BackupError(YouthLabError):
    key = "backup.error"
    hint_key = "backup.error.hint"


class DiskFull(BackupError):
    """No space left (or a quota reached) while writing ``path``."""

    key = "backup.disk_full"
    hint_key = "backup.disk_full.hint"


class TargetNotEmpty(BackupError):
    key = "backup.restore.not_empty"
    hint_key = "backup.restore.not_empty.hint"


class CorruptArchive(BackupError):
    key = "backup.restore.corrupt"
    hint_key = "backup.restore.corrupt.hint"


def is_disk_full(exc: BaseException) -> bool:
    """True for ENOSPC / EDQUOT, and SQLite's "database or disk is full"."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


@dataclass
class Source:
    """One tree to archive: ``root`` on disk stored under ``arcname`` in the archive."""

    root: Path
    arcname: str


@dataclass
class BackupResult:
    path: Path
    files: int
    bytes: int
    homes: list[str] = field(default_factory=list)
    seconds: float = 0.0


# --- what to back up ---------------------------------------------------------------------

def _accounts_file() -> Path:
    return accounts_file()


def _plan_accounts(accounts: Path) -> list[str]:
    return sorted({name for name, _role in load_plan(accounts).all_accounts()})


def isolated_homes(accounts: list[str], prefix: str | None = None) -> dict[str, dict]:
    """System users of the plan's accounts that exist here, with their home and ids."""
    homes = {}
    for account in accounts:
        name = identity.system_user_for(account, prefix)
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        try:
            group = grp.getgrgid(entry.pw_gid).gr_name
        except KeyError:
            group = ""
        homes[name] = {"account": account, "uid": entry.pw_uid, "gid": entry.pw_gid, "group": group,
                       "home": entry.pw_dir, "shell": entry.pw_shell}
    return homes


def _skip(rel: PurePosixPath) -> bool:
    return (len(rel.parts) == 1 and rel.name in SKIP_NAMES) or rel.name == ".autograde-work" \
        or rel.name.endswith(SKIP_SUFFIXES)


def _walk(root: Path, skip_data: bool) -> Iterator[tuple[Path, PurePosixPath]]:
    """Every entry under ``root`` (itself first), never following a symlink."""
    yield root, PurePosixPath(".")
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        rel_base = PurePosixPath(os.path.relpath(dirpath, root))
        kept = []
        for d in sorted(dirnames):
            rel = rel_base / d
            if skip_data and _skip(rel):
                continue
            yield base / d, rel
            if not (base / d).is_symlink():
                kept.append(d)
        dirnames[:] = kept
        for f in sorted(filenames):
            rel = rel_base / f
            if skip_data and _skip(rel):
                continue
            yield base / f, rel


# --- writing ------------------------------------------------------------------------------

class _HashingReader(io.RawIOBase):
    def __init__(self, fh, progress) -> None:
        self.fh, self.progress = fh, progress
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha.update(data)
        self.progress(len(data))
        return data


def _sqlite_snapshot(path: Path, into: Path) -> Path | None:
    """A consistent copy of the SQLite database ``path`` (backup API), or None if not one."""
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            return None
    copy = into / f"{secrets.token_hex(8)}.sqlite"
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return copy


def _entry(tar: tarfile.TarFile, path: Path, arcname: str, scratch: Path, manifest: list[dict],
           progress) -> None:
    st = os.lstat(path)
    info = tarfile.TarInfo(arcname)
    info.mode, info.uid, info.gid, info.mtime = stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, int(st.st_mtime)
    try:
        info.uname = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        info.uname = ""
    try:
        info.gname = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        info.gname = ""
    record = {"path": arcname, "mode": oct(info.mode), "owner": info.uname or str(st.st_uid),
              "group": info.gname or str(st.st_gid), "uid": st.st_uid, "gid": st.st_gid}
    if stat.S_ISLNK(st.st_mode):
        info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
        tar.addfile(info)
        manifest.append({**record, "type": "symlink", "target": info.linkname})
    elif stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
        manifest.append({**record, "type": "dir"})
    elif stat.S_ISREG(st.st_mode):
        source = path
        if st.st_size >= 16 and (snap := _sqlite_snapshot(path, scratch)) is not None:
            source = snap
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as fh:
            info.size = os.fstat(fd).st_size
            reader = _HashingReader(fh, progress)
            tar.addfile(info, reader)
        if source != path:
            source.unlink()
        manifest.append({**record, "type": "file", "size": info.size, "sha256": reader.sha.hexdigest()})
    # sockets, fifos, devices: nothing a student's work needs


def _sources(data: Path, homes: dict[str, dict], accounts: Path) -> list[Source]:
    sources = [Source(data, "data")]
    for name, info in homes.items():
        if Path(info["home"]).is_dir():
            sources.append(Source(Path(info["home"]), f"homes/{name}"))
    if accounts.is_file():
        sources.append(Source(accounts, "config/accounts.yaml"))
    if curricula_dir().is_dir():
        sources.append(Source(curricula_dir(), "config/curricula"))
    return sources


def _size(sources: list[Source]) -> int:
    total = 0
    for src in sources:
        for path, _ in _walk(src.root, skip_data=src.arcname == "data") if src.root.is_dir() else [(src.root, None)]:
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total


@contextmanager
def _progress_bar(total: int, label: str, quiet: bool):
    if quiet:
        yield lambda n: None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn()) as bar:
        task = bar.add_task(label, total=total or 1)
        yield lambda n: bar.advance(task, n)


def default_archive_name(folder: Path) -> Path:
    return folder / time.strftime("youthlab-backup-%Y%m%d-%H%M%S.tar.gz")


def backup(data: Path, out: Path, accounts: Path | None = None, isolated: bool | None = None,
           prefix: str | None = None, quiet: bool = False) -> BackupResult:
    """Write everything of the hall into the archive ``out`` (see the module docstring)."""
    start = time.monotonic()
    data = data.resolve()
    if not data.is_dir():
        raise BackupError("backup.no_data", "backup.no_data.hint", path=str(data))
    accounts = accounts or _accounts_file()
    isolated = identity.isolated_mode() if isolated is None else isolated
    homes = isolated_homes(_plan_accounts(accounts), prefix) if isolated and accounts.is_file() else {}
    sources = _sources(data, homes, accounts)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial-{secrets.token_hex(4)}")
    manifest: list[dict] = []
    try:
        with tempfile.TemporaryDirectory(prefix=".youthlab-backup-", dir=out.parent) as scratch, \
                _progress_bar(_size(sources), t("backup.progress"), quiet) as progress:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # holds secrets
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6,
                                                           format=tarfile.PAX_FORMAT) as tar:
                for src in sources:
                    if src.root.is_dir() and not src.root.is_symlink():
                        for path, rel in _walk(src.root, skip_data=src.arcname == "data"):
                            name = src.arcname if str(rel) == "." else f"{src.arcname}/{rel}"
                            try:
                                _entry(tar, path, name, Path(scratch), manifest, progress)
                            except FileNotFoundError:
                                continue  # removed while we walked (a scratch file)
                    else:
                        _entry(tar, src.root, src.arcname, Path(scratch), manifest, progress)
                body = json.dumps({"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                   "data_dir": str(data), "isolated": isolated,
                                   "prefix": identity.system_user_prefix() if prefix is None else prefix,
                                   "users": homes, "entries": manifest},
                                  ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(body), 0o600, int(time.time())
                tar.addfile(info, io.BytesIO(body))
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(partial, out)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise DiskFull(path=str(out)) from exc
        raise
    files = [e for e in manifest if e["type"] == "file"]
    return BackupResult(out, len(files), sum(e["size"] for e in files), sorted(homes),
                        round(time.monotonic() - start, 2))


# --- restoring ----------------------------------------------------------------------------

def _not_empty(path: Path) -> bool:
    return path.exists() and (not path.is_dir() or any(path.iterdir()))


def _safe_name(name: str) -> PurePosixPath:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        raise CorruptArchive(file=name)
    return p


def read_manifest(archive: Path) -> dict:
    """The archive's manifest (reads the archive once; a damaged one is CorruptArchive).

    The accounts file stored with it is put under the key ``accounts_yaml``."""
    manifest, accounts = None, None
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    manifest = json.loads(tar.extractfile(member).read())
                elif member.name == "config/accounts.yaml" and member.isfile():
                    accounts = tar.extractfile(member).read().decode("utf-8", "replace")
    except (tarfile.TarError, EOFError, OSError, json.JSONDecodeError, zlib_error()) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise CorruptArchive(file=str(archive)) from exc
    if not isinstance(manifest, dict) or "entries" not in manifest:
        raise CorruptArchive(file=MANIFEST)
    manifest["accounts_yaml"] = accounts
    return manifest


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def _ensure_user(name: str, info: dict) -> None:
    """Make the system user ``name`` of a restored home if this machine lacks it, in its old
    group, with its old user and group ids where they are free."""
    try:
        pwd.getpwnam(name)
        return
    except KeyError:
        pass
    args = ["useradd", "--no-create-home", "--home-dir", info["home"], "--shell", info.get("shell") or "/bin/bash",
            "--comment", f"YouthLab account {info.get('account', name)}"]
    try:
        pwd.getpwuid(info["uid"])
    except KeyError:
        args += ["--uid", str(info["uid"])]  # keep the old id when it is free
    if info.get("group"):  # its old group, with its old id where free
        try:
            ensure_group(info["group"], gid=info.get("gid"))
        except (OSError, subprocess.CalledProcessError) as err:
            detail = (getattr(err, "stderr", "") or str(err)).strip()
            raise BackupError("backup.restore.useradd", "backup.restore.useradd.hint", user=name, detail=detail)
        args += ["--gid", info["group"]]
    r = run_account_tool([*args, name])
    if r.returncode not in (0, 9):
        raise BackupError("backup.restore.useradd", "backup.restore.useradd.hint", user=name, detail=r.stderr.strip())


def _ensure_class_groups(manifest: dict) -> None:
    """Make the classes' system groups of the archived plan, with their members."""
    text = manifest.get("accounts_yaml")
    if not text:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        plan = load_plan(Path(fh.name))
    sync_class_groups(plan, prefix=manifest.get("prefix"))


def _owner(member: tarfile.TarInfo) -> tuple[int, int]:
    """Owner on this machine: by name when known here, else the recorded numeric ids."""
    uid, gid = member.uid, member.gid
    if member.uname:
        try:
            uid = pwd.getpwnam(member.uname).pw_uid
        except KeyError:
            pass
    if member.gname:
        try:
            gid = grp.getgrnam(member.gname).gr_gid
        except KeyError:
            pass
    return uid, gid


def _extract(archive: Path, dest: Path, manifest: dict, progress,
             homes_dest: Path | None = None) -> list[tuple[Path, tarfile.TarInfo]]:
    """Extract every member under ``dest`` (``homes/…`` under ``homes_dest`` if given,
    so they land on the homes' own disk) checking each file's sha256 against the manifest."""
    expected = {e["path"]: e for e in manifest["entries"]}
    seen: set[str] = set()
    links: set[PurePosixPath] = set()
    later: list[tuple[Path, tarfile.TarInfo]] = []
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            rel = _safe_name(member.name)
            if any(parent in links for parent in rel.parents):  # never write through a link
                raise CorruptArchive(file=member.name)
            entry = expected.get(member.name)
            if entry is None:
                raise CorruptArchive(file=member.name)
            if homes_dest is not None and rel.parts[0] == "homes" and len(rel.parts) > 1:
                target = homes_dest / PurePosixPath(*rel.parts[1:])
            else:
                target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if member.isdir():
                target.mkdir(exist_ok=True)
                later.append((target, member))
            elif member.issym():
                if entry.get("target") != member.linkname:
                    raise CorruptArchive(file=member.name)
                os.symlink(member.linkname, target)
                links.add(rel)
                later.append((target, member))
            elif member.isfile():
                sha = hashlib.sha256()
                src = tar.extractfile(member)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                with os.fdopen(fd, "wb") as out:
                    while chunk := src.read(CHUNK):
                        sha.update(chunk)
                        out.write(chunk)
                        progress(len(chunk))
                if sha.hexdigest() != entry.get("sha256") or member.size != entry.get("size"):
                    raise CorruptArchive(file=member.name)
                later.append((target, member))
            else:
                continue
            seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise CorruptArchive(file=missing[0])
    return later


def _apply_owners(extracted: list[tuple[Path, tarfile.TarInfo]]) -> None:
    """Owners (by name, else numeric), modes and times, children before their folders."""
    root = os.geteuid() == 0
    for target, member in reversed(extracted):
        if member.issym():
            if root:
                os.lchown(target, *_owner(member))
            continue
        if root:
            os.chown(target, *_owner(member))
        os.chmod(target, member.mode & (0o3777 if member.isdir() else 0o777))  # no setuid files
        os.utime(target, (member.mtime, member.mtime))


def _move_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
    os.rename(path, aside)
    return aside


def restore(archive: Path, data: Path, force: bool = False, quiet: bool = False,
            homes_root: Path | None = None) -> dict:
    """Restore ``archive`` into the data folder ``data`` (and the homes it holds).

    ``data`` must be missing or empty unless ``force`` (then what is there is moved
    aside to ``<data>.before-restore-<time>``, never deleted). Returns the manifest."""
    archive = archive.resolve()
    if not archive.is_file():
        raise BackupError("backup.restore.no_archive", "backup.restore.no_archive.hint", path=str(archive))
    data = data.resolve()
    manifest = read_manifest(archive)
    users: dict[str, dict] = manifest.get("users", {})
    home_dirs = {name: Path(info["home"]) if homes_root is None else homes_root / name
                 for name, info in users.items()}
    busy = [p for p in [data, *home_dirs.values()] if _not_empty(p)]
    if busy and not force:
        raise TargetNotEmpty(path=str(busy[0]))
    data.parent.mkdir(parents=True, exist_ok=True)
    total = sum(e.get("size", 0) for e in manifest["entries"] if e["type"] == "file")
    staging = Path(tempfile.mkdtemp(prefix=f".{data.name}.restoring-", dir=data.parent))
    homes_staging = None
    if home_dirs:  # next to the homes, so moving them into place is a rename
        parent = next(iter(home_dirs.values())).parent
        parent.mkdir(parents=True, exist_ok=True)
        homes_staging = Path(tempfile.mkdtemp(prefix=".youthlab-restoring-", dir=parent))
    moved: list[Path] = []
    try:
        with _progress_bar(total, t("backup.restore.progress"), quiet) as progress:
            try:
                extracted = _extract(archive, staging, manifest, progress, homes_staging)
            except (tarfile.TarError, EOFError, zlib_error()) as exc:
                raise CorruptArchive(file=str(archive)) from exc
        # Every file checked: now the machine may change. Owners by name need the users
        # and the class groups first (a fresh machine has neither).
        if os.geteuid() == 0 and users:
            for name, info in users.items():
                _ensure_user(name, {**info, "home": str(home_dirs[name])})
            _ensure_class_groups(manifest)
        _apply_owners(extracted)
        # Everything is checked: move into place.
        if (staging / "data").is_dir():
            if data.exists():
                if _not_empty(data):
                    moved.append(_move_aside(data))
                else:
                    data.rmdir()
            os.rename(staging / "data", data)
        for name, home in home_dirs.items():
            src = (homes_staging or staging / "homes") / name
            if not src.is_dir():
                continue
            if home.exists():
                if _not_empty(home):
                    moved.append(_move_aside(home))
                else:
                    home.rmdir()
            home.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(src), str(home))  # a rename when /home is on the same disk
        if (staging / "config").is_dir():
            config = data / "restored-config"
            shutil.rmtree(config, ignore_errors=True)
            os.rename(staging / "config", config)
    except BaseException as exc:
        if is_disk_full(exc):
            raise DiskFull(path=str(data)) from exc
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if homes_staging is not None:
            shutil.rmtree(homes_staging, ignore_errors=True)
    manifest["moved_aside"] = [str(p) for p in moved]
    return manifest
