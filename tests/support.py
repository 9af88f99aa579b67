"""Paths and markers shared by the tests (imported as `support`, since every folder's conftest is `conftest`)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = Path(__file__).parent / "data"
PUBLIC_DATA = ROOT.parent / "shared" / "data" / "anthropic-interviewer"
SEEDS = ROOT / "data" / "seeds"

needs_public_data = pytest.mark.skipif(not PUBLIC_DATA.exists(),
                                       reason="public data set not at ../shared/data/anthropic-interviewer")

APP = str(ROOT / "dashboard" / "app.py")


def run_app(page: str = "overview", *, secrets: dict | None = None, user: dict | None = None, **query):
    """An AppTest of the dashboard that has run `page` (after the frame's first run on Overview), with the
    given query parameters; fails on any exception the app raised. `secrets` and `user`: what st.secrets and
    st.user hold (sign-in configured, and who is signed in)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    if secrets is not None:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def race(scripts: list[str]) -> None:
    """Run the scripts, each in its own Python process, starting their work at the same moment; each must succeed.
    (Subprocesses, not a multiprocessing pool: after an AppTest, `__main__` is the dashboard script, which a
    spawned pool worker would run again.)"""
    children = [subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for script in scripts]
    assert all(child.stdout.readline().strip() == "ready" for child in children)
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        _, errors = child.communicate(timeout=120)
        assert child.returncode == 0, errors


def edit_keeping_size_and_mtime(file: Path, old: str, new: str) -> None:
    """Replace `old` by `new` (as long) in `file` and set its modification time back: an edit that neither the
    size nor the mtime tells, only the inode's change time (the adversarial case for a stamp of a file)."""
    before = file.stat()
    file.write_text(file.read_text().replace(old, new))
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert file.stat().st_size == before.st_size and file.stat().st_mtime_ns == before.st_mtime_ns
