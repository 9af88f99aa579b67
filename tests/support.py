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
