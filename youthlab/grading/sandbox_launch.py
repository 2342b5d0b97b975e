"""Start one grading kernel inside the sandbox (run as ``python -m``, by the worker, as root).

    python -m youthlab.grading.sandbox_launch --limits JSON [--user U --uid N --gid N
        --hide DIR ...] --connection-file F [--source DIR] -- <kernel argv>

As root, in this order: a private mount namespace (and, when the worker talks to the
kernel over unix sockets, a network namespace with no interfaces: no hub API, no flight
service, no drone); a fresh ``/tmp`` (``/var/tmp`` and
``/dev/shm`` too) holding a scratch copy of the submission's folder (its notebooks left
out; symlinks copied as symlinks, never followed) and the connection file; the hidden
folders covered with empty read-only tmpfs; folders on the way to the Python runtime that
others may not enter (pyenv under a 0700 ``/root``) replaced by a tmpfs that holds only the
runtime. Then rlimits, no supplementary groups, the sandbox uid/gid, ``no_new_privs``, a
small environment, and ``exec`` of the kernel — so the kernel's pid is this process's and
the worker can interrupt and kill it as usual. Nothing here writes anywhere the worker
reads back: the executed notebook is written by the worker, outside the namespace.

Without ``--user`` (not root) only the rlimits and the environment apply.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import shutil
import stat
import sys
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
SCRATCH = "/tmp/work"
# Folders the kernel gets empty (private) copies of. A runtime that lives below one of them
# (a checkout cloned into /tmp, say) is bound back into the fresh copy, read as it was.
FRESH_TMPFS = ("/tmp", "/var/tmp", "/dev/shm")
IPC = "/tmp/.ipc/k"  # = youthlab.grading.sandbox.IPC_IN_SANDBOX (not imported: this runs before anything else)
KEEP_ENV = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "NBGRADER_EXECUTION", "MPLBACKEND",
            "SDL_VIDEODRIVER", "YOUTHLAB_LANG", "YOUTHLAB_ROOT", "JPY_PARENT_PID", "PYDEVD_DISABLE_FILE_VALIDATION")

_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                       data.encode() if data else None), f"mount {target}")


def _tmpfs(target: str, options: str, flags: int = MS_NOSUID | MS_NODEV) -> None:
    _mount("tmpfs", target, "tmpfs", flags, options)


def _closed_ancestor(path: Path) -> Path | None:
    """The highest folder above ``path`` that others may not list and enter, if any.

    Root's home counts as closed whatever its mode now: an operator (or a test) may open
    it for a moment and close it again while the kernel starts."""
    for fresh in FRESH_TMPFS:  # replaced by an empty tmpfs: the runtime is bound back in
        if Path(fresh) in path.parents:
            return Path(fresh)
    for parent in reversed(path.parents):
        if parent == Path("/"):
            continue
        if parent == Path("/root"):
            return parent
        try:
            if os.stat(parent).st_mode & (stat.S_IROTH | stat.S_IXOTH) != (stat.S_IROTH | stat.S_IXOTH):
                return parent
        except OSError:
            return None
    return None


def _open_runtime(needed: list[Path]) -> list[tuple[Path, list[tuple[Path, int]]]]:
    """For each closed ancestor: the needed folders under it, each opened (O_PATH) now,
    while they can still be reached by name."""
    plan: dict[Path, list[Path]] = {}
    for path in needed:
        top = _closed_ancestor(path)
        if top is not None:
            plan.setdefault(top, [])
            if not any(path == p or p in path.parents for p in plan[top]):
                plan[top] = [p for p in plan[top] if path not in p.parents] + [path]
    return [(top, [(p, os.open(p, os.O_PATH | os.O_DIRECTORY)) for p in paths]) for top, paths in plan.items()]


def _runtime_paths() -> list[Path]:
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.executable).resolve().parent}
    here = Path(__file__).resolve().parents[2]  # the checkout (or install) that holds youthlab
    paths.add(here)
    return sorted(paths)


def _copy_scratch(src_fd: int | None, uid: int, gid: int) -> None:
    os.mkdir(SCRATCH, 0o700)
    if src_fd is not None:
        shutil.copytree(f"/proc/self/fd/{src_fd}", SCRATCH, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    for root, dirs, files in os.walk(SCRATCH):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)
    os.chown(SCRATCH, uid, gid)


def _set_limits(limits: dict) -> None:  # a None value: leave that limit alone
    mb = 1024 * 1024
    pairs = {
        resource.RLIMIT_AS: limits["memory_mb"] * mb,
        resource.RLIMIT_NPROC: limits["processes"],  # None when not switching to a sandbox user
        resource.RLIMIT_CPU: limits["cpu_seconds"],
        resource.RLIMIT_FSIZE: limits["file_mb"] * mb,
        resource.RLIMIT_NOFILE: limits["open_files"],
        resource.RLIMIT_CORE: 0,
    }
    for which, value in pairs.items():
        if value is None:
            continue
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)  # lower only: raising needs a privilege we may not have
        resource.setrlimit(which, (value, value))


def _environment(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in KEEP_ENV or k.startswith("LC_")}
    env.update(HOME=home, TMPDIR="/tmp", MPLCONFIGDIR=f"{home}/.matplotlib", PYTHONDONTWRITEBYTECODE="1", MALLOC_ARENA_MAX="2",
               IPYTHONDIR=f"{home}/.ipython", JUPYTER_RUNTIME_DIR=f"{home}/.jupyter-runtime")
    return env


def main(argv: list[str] | None = None) -> None:
    args_list = sys.argv[1:] if argv is None else argv
    split = args_list.index("--")
    parser = argparse.ArgumentParser(prog="sandbox_launch")
    parser.add_argument("--limits", required=True)
    parser.add_argument("--user")
    parser.add_argument("--uid", type=int)
    parser.add_argument("--gid", type=int)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--connection-file", required=True)
    parser.add_argument("--source")
    args = parser.parse_args(args_list[:split])
    kernel = args_list[split + 1:]
    limits = json.loads(args.limits)

    if args.user is None:  # not root: no other identity, limits only; the process count is
        # per uid, and here that uid is the teacher's (or in demo mode every account's)
        _set_limits(dict(limits, processes=None))
        os.execvpe(kernel[0], kernel, dict(os.environ, MALLOC_ARENA_MAX="2"))

    assert args.uid and args.gid, "a sandbox user needs a uid and gid other than root's"
    os.umask(0o022)  # the folders made below for the runtime's mount points must be enterable
    info = json.loads(Path(args.connection_file).read_text())
    network = info.get("transport") != "ipc"  # over unix sockets the kernel needs no network at all
    if not network:
        info["ip"] = IPC
    connection = json.dumps(info).encode()
    _check(_libc.unshare(CLONE_NEWNS | (0 if network else CLONE_NEWNET)), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    # opened inside the new namespace (a bind mount's source must be a mount of it)
    src_fd = os.open(args.source, os.O_PATH | os.O_DIRECTORY) if args.source else None
    runtime = _open_runtime(_runtime_paths())
    _tmpfs("/tmp", f"size={limits['tmp_mb']}m,mode=1777")
    for extra in FRESH_TMPFS[1:]:
        if os.path.isdir(extra):
            _tmpfs(extra, "size=16m,mode=1777")
    _copy_scratch(src_fd, args.uid, args.gid)
    os.mkdir(os.path.dirname(IPC), 0o700)
    os.chown(os.path.dirname(IPC), args.uid, args.gid)
    conn_path = f"{SCRATCH}/.kernel-{os.getpid()}.json"
    fd = os.open(conn_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, connection)
    os.close(fd)
    os.chown(conn_path, args.uid, args.gid)
    if src_fd is not None:
        os.close(src_fd)
    for path in args.hide:
        if os.path.isdir(path):
            _tmpfs(path, "size=4k,mode=0555", MS_NOSUID | MS_NODEV | MS_RDONLY)
    for top, paths in runtime:
        if str(top) not in FRESH_TMPFS:  # those are already fresh, holding the scratch folder
            _tmpfs(str(top), "size=1m,mode=0755")
        for path, pfd in paths:
            path.mkdir(parents=True, exist_ok=True)
            for made in [path, *path.parents]:  # whatever the umask was
                if made == top:
                    break
                os.chmod(made, 0o755)
            _mount(f"/proc/self/fd/{pfd}", str(path), None, MS_BIND | MS_REC)
            os.close(pfd)

    kernel = [conn_path if a == args.connection_file else a for a in kernel]
    _set_limits(limits)
    os.setgroups([])
    os.setresgid(args.gid, args.gid, args.gid)
    os.setresuid(args.uid, args.uid, args.uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    os.chdir(SCRATCH)
    os.execvpe(kernel[0], kernel, _environment(SCRATCH))


if __name__ == "__main__":
    main()
