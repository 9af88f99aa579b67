"""Writing files so that nothing is ever half-written or lost: every package that saves a file goes through here.

    write_atomically(Path("config/codebook.yaml"), text.encode("utf-8"))
    with locked(path):             # read, change and write with no other writer in between
        write_atomically(path, changed(path.read_bytes()))

`locked` is an exclusive lock on a sidecar file `.<name>.lock` beside the file (the file itself is replaced by
every atomic write, so it cannot carry the lock). With `fcntl.flock` the lock belongs to an open file
description, and every `locked()` opens its own, so it excludes other threads of the same process (the
dashboard serves every session from threads of one process) as well as other processes. It is not
re-entrant: a thread that nests `locked()` on the same file waits for itself until the time limit.
A process that dies holding it releases it (the kernel closes its files). Where there is no `fcntl`, the lock
is the sidecar's existence (created with O_EXCL, retried); a crash there can leave it behind, which the time
limit's message explains.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from core.errors import FileLockError

try:
    import fcntl
except ImportError:  # not POSIX: the O_EXCL lock file below
    fcntl = None  # type: ignore[assignment]

LOCK_TIMEOUT = 10.0   # seconds; a read-modify-write of a small file takes milliseconds
_LOCK_POLL = 0.005    # seconds between attempts while another writer holds the lock
ENV_LEXICON_CACHE = "THEMESCOPE_LEXICON_CACHE"  # where this machine's lexicon cache is, when not the default


def lexicon_cache_folder() -> Path:
    """The folder of this machine's cache of what a lexicon takes long to work out and never changes until its
    source does (the engine's real words and word forms, a validated job-title lexicon): $THEMESCOPE_LEXICON_CACHE,
    or themescope/lexicon in the user's cache folder ($XDG_CACHE_HOME or ~/.cache)."""
    given = os.environ.get(ENV_LEXICON_CACHE)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "themescope" / "lexicon"


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename: readers see the old or the new file, never
    a part of one. The file keeps its permissions (a new one gets the umask's), not the temporary's 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without setting it (os.umask sets it, which races with other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


# ---------------------------------------------------------------- the lock for read-modify-write
def lock_path(path: Path) -> Path:
    """labels/dev.yaml -> labels/.dev.yaml.lock"""
    return path.parent / f".{path.name}.lock"


@contextlib.contextmanager
def locked(path: str | Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock of `path` (see module docstring) for the block. A busy file makes a writer wait
    its turn; FileLockError when one holder keeps the lock for `timeout` seconds (stuck, not busy) rather
    than waiting forever.

        with locked(path):
            document = read(path)
            write_atomically(path, changed(document))
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sidecar = lock_path(path)
    patience = _Patience(path, timeout)
    fd = _acquire_flock(sidecar, patience) if fcntl is not None else _acquire_exclusive(sidecar, patience)
    try:
        os.write(fd, f"pid {os.getpid()} thread {threading.get_ident()} at {time.time_ns()}".encode())
        yield
    finally:
        sidecar.unlink(missing_ok=True)  # before the release: a waiter on this file then sees it gone and retries
        os.close(fd)


class _Patience:
    """Waiting for a lock: the time limit counts from the last change of holder (each writes who it is into
    the sidecar), so many quick writers in a row are waited for and only one stuck holder times out."""

    def __init__(self, path: Path, timeout: float):
        self.path, self.timeout = path, timeout
        self.holder: bytes | None = None
        self.deadline = time.monotonic() + timeout

    def wait(self, holder: bytes) -> None:
        if holder != self.holder:
            self.holder, self.deadline = holder, time.monotonic() + self.timeout
        elif time.monotonic() >= self.deadline:
            raise FileLockError(
                f"{self.path}: another writer (a dashboard session, a command or a process: "
                f"{holder.decode(errors='replace') or 'unknown'}) has been changing this file for "
                f"{self.timeout:g} s", hint="try again in a moment" if fcntl is not None  # a dead holder's flock dies
                else f"try again in a moment; if nothing else is running, delete {lock_path(self.path)}")
        time.sleep(_LOCK_POLL)


def _acquire_flock(sidecar: Path, patience: _Patience) -> int:
    while True:
        fd = _open_lock_file(sidecar, patience.path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0)
            os.close(fd)
            patience.wait(holder)
            continue
        if _still_the_lock_file(fd, sidecar):
            return fd
        os.close(fd)  # locked a sidecar its holder has since removed: take the new one


def _still_the_lock_file(fd: int, sidecar: Path) -> bool:
    try:
        on_disk = sidecar.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _acquire_exclusive(sidecar: Path, patience: _Patience) -> int:
    while True:
        try:
            return _open_lock_file(sidecar, patience.path, os.O_RDWR | os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            try:
                holder = sidecar.read_bytes()
            except OSError:
                holder = b""
            patience.wait(holder)


def _open_lock_file(sidecar: Path, path: Path, flags: int) -> int:
    try:
        return os.open(sidecar, flags, 0o666 & ~_umask())
    except FileExistsError:
        raise
    except OSError as exc:
        raise FileLockError(f"{path}: cannot create its lock file {sidecar.name}: {exc.strerror}",
                            hint=f"make the folder {sidecar.parent} writable") from None
