"""Paths and markers shared by the tests (imported as `support`, since every folder's conftest is `conftest`)."""
from __future__ import annotations

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


def run_app(page: str = "overview", **query):
    """An AppTest of the dashboard that has run `page` (after the frame's first run on Overview), with the
    given query parameters; fails on any exception the app raised."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at
