"""core.files: atomic writes that keep a file's permissions, and the lock for read-modify-write."""
from __future__ import annotations

import contextlib
import os
import stat
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from support import ROOT, race

from core.errors import FileLockError
from core.files import locked, write_atomically


def test_a_rewritten_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text("old")
    path.chmod(0o644)
    write_atomically(path, b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o644
    path.chmod(0o640)
    write_atomically(path, b"newer")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_new_file_gets_the_umask_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "sub" / "labels.yaml", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "sub" / "labels.yaml").stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_text("old")

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with contextlib.suppress(OSError):
        write_atomically(path, b"new")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.yaml"]


# ---------------------------------------------------------------- locked: read-modify-write without lost updates
def _add_one(path):
    with locked(path):
        count = int(path.read_text()) if path.exists() else 0
        time.sleep(0.0005)  # widen the window a lost update needs
        write_atomically(path, str(count + 1).encode())


def test_threads_of_one_process_exclude_each_other(tmp_path):
    path = tmp_path / "count.txt"
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: _add_one(path), range(400)))
    assert path.read_text() == "400"
    assert [p.name for p in tmp_path.iterdir()] == ["count.txt"]  # the lock file goes with its last holder


COUNTER = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from core.files import locked, write_atomically
path = Path({path!r})
print("ready", flush=True)
sys.stdin.readline()  # both processes start counting at once
for _ in range(100):
    with locked(path):
        count = int(path.read_text()) if path.exists() else 0
        time.sleep(0.0005)
        write_atomically(path, str(count + 1).encode())
"""


def test_processes_exclude_each_other(tmp_path):
    path = tmp_path / "count.txt"
    script = COUNTER.format(root=str(ROOT), path=str(path))
    race([script] * 2)
    assert path.read_text() == "200"


def test_a_lock_held_elsewhere_times_out_with_a_clear_error(tmp_path):
    path = tmp_path / "labels.yaml"
    started = time.monotonic()
    with locked(path), pytest.raises(FileLockError) as caught, locked(path, timeout=0.2):
        pass
    assert 0.2 <= time.monotonic() - started < 5
    assert f"{path}: another writer" in str(caught.value) and "for 0.2 s" in str(caught.value)
    assert f"pid {os.getpid()}" in str(caught.value)  # who holds it
    assert caught.value.hint == "try again in a moment"
    with locked(path, timeout=0.2):  # released when its holder is done
        pass


def test_a_lock_file_that_cannot_be_created_is_a_clear_error(tmp_path):
    (tmp_path / ".a.yaml.lock").mkdir()  # a folder where the lock file goes (as root, a read-only folder is no bar)
    with pytest.raises(FileLockError, match="cannot create its lock file") as caught, locked(tmp_path / "a.yaml"):
        pass
    assert "writable" in caught.value.hint
