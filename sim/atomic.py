"""A file or a folder written whole or not at all, whose temporaries do not outlive a crash.

:func:`atomic_write_bytes` writes one file under a hidden temporary name, flushes it and
renames it into place: a reader sees the old file or the new one, never a part.

:class:`StagedFolder` writes a folder under a hidden temporary name beside its target and
renames it into place at the end; a reader sees the whole folder or none. A process killed
while writing (``SIGKILL``, the machine's out-of-memory killer, a closed terminal) cannot
clean up after itself, so each write holds an advisory lock (``flock``) on a small lock file
beside the target, and two things remove what a dead writer left:

* a **watchdog**, a tiny process started with each write in its own session, waits on the
  lock; the kernel releases the lock when the writer ends however it ends, and if the lock
  file is still there the watchdog undoes the write (removes the temporary folder, puts a
  replaced folder back) and exits;
* the **next write** into the same folder (``clean_stale``) does the same for any lock that
  no live process holds and that is older than :data:`GRACE_S` seconds: for the case the
  watchdog could not run (the whole machine went down).

Names beside a target ``NAME``: ``.NAME.lock-TOKEN`` (the lock), ``.NAME.tmp-TOKEN`` (the
folder being written), ``.NAME.old-TOKEN`` (a folder being replaced, for an instant).
Without ``fcntl`` (Windows) the writes are still atomic but stale temporaries stay.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

_WATCHDOGS: list[subprocess.Popen] = []  # started and not yet seen to end

GRACE_S = 10.0
"""A lock younger than this is never taken as stale (its writer may be taking it)."""

_LOCK = re.compile(r"^\.(?P<name>.+)\.lock-(?P<token>[0-9a-f]{16})$")


def _paths(target: Path, token: str) -> tuple[Path, Path, Path]:
    """The lock file, temporary folder and replaced-folder names of one write."""
    parent, name = target.parent, target.name
    return (
        parent / f".{name}.lock-{token}",
        parent / f".{name}.tmp-{token}",
        parent / f".{name}.old-{token}",
    )


def recover(target: Path, token: str) -> None:
    """Undo a write that stopped before its end: the target is as it was before, or whole.

    A replaced folder is put back if the new one never arrived, or removed if it did; the
    temporary folder is removed.
    """
    _, tmp, old = _paths(target, token)
    if old.exists():
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.rename(target)
    shutil.rmtree(tmp, ignore_errors=True)


def _take_if_abandoned(lock: Path, target: Path, token: str, wait: bool) -> bool:
    """Lock ``lock``; if it is still there (its writer died), undo the write and remove it."""
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False  # gone: the write ended and cleaned up
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError:
            return False  # held: the writer is alive
        try:
            still_there = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            still_there = False
        if not still_there:
            return False
        recover(target, token)
        lock.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def clean_stale(parent: Path) -> list[Path]:
    """Undo the writes in ``parent`` whose writer died; return their targets."""
    if fcntl is None:
        return []
    cleaned = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return []
    now = time.time()
    for entry in entries:
        match = _LOCK.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime < GRACE_S:
                continue
        except OSError:
            continue
        target = parent / match["name"]
        if _take_if_abandoned(Path(entry.path), target, match["token"], wait=False):
            cleaned.append(target)
    return cleaned


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (hidden temporary name, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk (a rename in it survives a crash of the machine).

    Raises:
        OSError: the folder cannot be opened or flushed.
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync(path: Path) -> None:
    """Flush a file or folder to disk (a crash of the machine loses no finished folder)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class StagedFolder:
    """Write a folder under a temporary name and move it into place whole.

    Use as a context manager; the ``with`` body fills the temporary folder it yields and
    calls :meth:`commit`. If the body raises, nothing is left behind and the target is
    untouched.

    Args:
        target: the folder to create or replace; its parent must exist.
        watchdog: start a watchdog process that undoes the write if this process dies.
    """

    def __init__(self, target: Path, watchdog: bool = True) -> None:
        self.target = target
        self.token = secrets.token_hex(8)
        self.lock, self.tmp, self.old = _paths(target, self.token)
        self._fd: int | None = None
        self._watchdog = watchdog and fcntl is not None
        self._process: subprocess.Popen | None = None
        self._committed = False

    def __enter__(self) -> Path:
        clean_stale(self.target.parent)
        self._fd = os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
        try:
            if fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            if self._watchdog:
                self._process = _start_watchdog(self.lock, self.target, self.token)
            self.tmp.mkdir(mode=0o777)  # the umask applies, as for any folder the user makes
        except BaseException:
            self._release()
            raise
        return self.tmp

    def commit(self, replace: bool = True) -> None:
        """Move the temporary folder into place.

        Raises:
            FileExistsError: the target exists and ``replace`` is False.
        """
        for path in sorted(self.tmp.rglob("*"), reverse=True):
            _sync(path)
        _sync(self.tmp)
        if self.target.exists() or self.target.is_symlink():
            if not replace:
                raise FileExistsError(str(self.target))
            self.target.rename(self.old)
            self.tmp.rename(self.target)
            shutil.rmtree(self.old, ignore_errors=True)
        else:
            self.tmp.rename(self.target)
        _sync(self.target.parent)
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            recover(self.target, self.token)
        self._release()

    def _release(self) -> None:
        self.lock.unlink(missing_ok=True)  # before unlocking: the watchdog then sees it gone
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._process is not None:  # it sees the lock gone and exits by itself
            _WATCHDOGS.append(self._process)
            self._process = None
        _WATCHDOGS[:] = [p for p in _WATCHDOGS if p.poll() is None]  # reap those that ended


def _start_watchdog(lock: Path, target: Path, token: str) -> subprocess.Popen | None:
    """Start the process that undoes this write if the writer dies (best effort)."""
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "sim.atomic", str(lock), str(target), token],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a signal to the writer's process group spares it
            env=env,
            cwd=root,
        )
    except OSError:
        return None  # no watchdog: the next write into this folder cleans up instead


def _watch(lock: str, target: str, token: str) -> None:
    """The watchdog: wait for the writer to end; if the lock is still there, undo its write."""
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    _take_if_abandoned(Path(lock), Path(target), token, wait=True)


if __name__ == "__main__":
    _watch(*sys.argv[1:4])
