"""The dashboard's error boundary (dashboard/frame/errors.py, wrapped around every page in app.py): a bug
shows a short message with an error id, its traceback only in the server's log; a ThemescopeError shows its
message and fix; Streamlit's own st.stop passes through.

(Here rather than in tests/dashboard/ only because of who edits which folder this week.)"""
import logging
import re
import sys

import pytest
from support import DATA, run_app

import dashboard.frame.loading
from core.errors import UsageError

CODEBOOK = DATA / "tiny_codebook.yaml"


@pytest.fixture
def start(monkeypatch, tmp_path):
    monkeypatch.setenv("THEMESCOPE_CACHE", str(tmp_path / "cache"))

    def run(*args):
        monkeypatch.setattr(sys, "argv", ["app.py", *map(str, args)])
        return run_app("overview")
    return run


def texts(at) -> str:
    return "\n".join(str(getattr(e, "value", "")) for e in (*at.error, *at.markdown, *at.exception, *at.code))


def broken(exc):
    def view_data_for(*args, **kwargs):  # what every page's frame calls once the data is loaded
        raise exc
    return view_data_for


def test_a_bug_on_a_page_shows_an_error_id_and_logs_the_traceback(start, monkeypatch, caplog):
    monkeypatch.setattr(dashboard.frame.loading, "view_data_for", broken(RuntimeError("secret internals")))
    with caplog.at_level(logging.ERROR, logger="themescope.dashboard"):
        at = start("--data", DATA / "folder", "--codebook", CODEBOOK)
    assert not at.exception
    [error] = at.error
    error_id = re.search(r"error id `([0-9a-f]{8})`", error.value).group(1)
    assert "secret internals" not in texts(at) and "Traceback" not in texts(at) and "RuntimeError" not in texts(at)
    [record] = [r for r in caplog.records if r.name == "themescope.dashboard"]
    assert error_id in record.getMessage() and "Overview" in record.getMessage()
    assert record.exc_info[0] is RuntimeError


def test_a_themescope_error_on_a_page_shows_its_message_and_fix(start, monkeypatch):
    failure = UsageError("no such theme: art", hint="pick one")
    monkeypatch.setattr(dashboard.frame.loading, "view_data_for", broken(failure))
    at = start("--data", DATA / "folder", "--codebook", CODEBOOK)
    assert [e.value for e in at.error] == ["no such theme: art\n\n**Fix:** pick one"]


def test_st_stop_passes_through_the_boundary(start, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    at = start("--data", empty, "--codebook", CODEBOOK)
    assert any("No transcripts were loaded" in w.value for w in at.warning)
    assert not at.error and not at.title  # stopped before the page's own content
