"""core.files: atomic writes that keep a file's permissions."""
from __future__ import annotations

import contextlib
import os
import stat

from core.files import write_atomically


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
