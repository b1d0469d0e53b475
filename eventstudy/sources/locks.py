"""Advisory file locks: one writer of a cache file at a time, and stale temporaries.

:func:`locked` holds an exclusive lock on a lock file beside the file it guards
(``<file>.lock``) for the duration of a ``with`` block, so that two processes
refreshing one cache file take turns instead of each writing its own merge over the
other's. The lock is the operating system's (``flock`` on POSIX, ``msvcrt.locking``
on Windows): a process that dies releases it, so no lock outlives its holder. On
POSIX the lock file is removed on release; a waiter that then finds the file gone
or replaced tries again, so removing it never lets two holders in.

:func:`hold` locks a temporary file while it is written, and :func:`is_held` lets a
later writer tell a temporary whose writer was killed (not held) from one being
written now (held): only the former is removed as stale.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import CacheLockedError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

LOCK_TIMEOUT = 300.0  # seconds a refresh waits for another process's refresh of one file
_POLL = 0.05


def lock_path(path: Path) -> Path:
    """The lock file guarding ``path``."""
    return path.with_name(path.name + ".lock")


@contextmanager
def locked(path: Path, timeout: float | None = None) -> Iterator[Path]:
    """Hold the exclusive lock of ``path`` (its lock file is created as needed).

    Raises
    ------
    CacheLockedError
        If another process holds it for longer than ``timeout`` seconds (default
        :data:`LOCK_TIMEOUT`).
    """
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    guard = lock_path(path)
    guard.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(guard, os.O_RDWR | os.O_CREAT, 0o644)
        if _wait(fd, deadline) and _still_there(fd, guard):
            break
        os.close(fd)  # (taken and removed by another holder meanwhile: try again)
        if time.monotonic() > deadline:
            raise CacheLockedError(
                f"{path}: another process has held its lock ({guard.name}) for over "
                f"{timeout:.0f} s; try again later, or remove the lock file if no eventstudy "
                "process is running"
            )
    try:
        yield guard
    finally:
        if fcntl is not None:
            guard.unlink(missing_ok=True)  # before the release: waiters then retry
        _release(fd)
        os.close(fd)


def _wait(fd: int, deadline: float) -> bool:
    """Take the lock of ``fd``, polling until ``deadline``; whether it was taken."""
    while not _try(fd):
        if time.monotonic() > deadline:
            return False
        time.sleep(_POLL)
    return True


def _still_there(fd: int, guard: Path) -> bool:
    """Whether the locked file is still the one at ``guard`` (not removed by a holder)."""
    if fcntl is None:
        return True
    try:
        return os.path.samestat(os.fstat(fd), os.stat(guard))
    except FileNotFoundError:
        _release(fd)
        return False


def _try(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # BlockingIOError on POSIX, PermissionError on Windows
        return False
    return True


def _release(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def can_hold() -> bool:
    """Whether :func:`hold` locks temporaries here (POSIX)."""
    return fcntl is not None


def hold(fd: int) -> None:
    """Lock an open temporary file while it is written (see :func:`is_held`)."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def is_held(path: Path) -> bool:
    """Whether a live process holds ``path``'s lock (always False on Windows, where
    :func:`hold` takes none: callers judge by age there)."""
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True  # gone already, or not ours to judge
    try:
        if not _try(fd):
            return True
        _release(fd)
        return False
    finally:
        os.close(fd)
