from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import load_codebook  # noqa: E402

DATA = Path(__file__).parent / "data"
PUBLIC_DATA = ROOT.parent / "shared" / "data" / "anthropic-interviewer"
SEEDS = ROOT / "data" / "seeds"


@pytest.fixture(scope="session")
def tiny_codebook():
    return load_codebook(DATA / "tiny_codebook.yaml")


@pytest.fixture(scope="session")
def default_codebook():
    return load_codebook(ROOT / "config" / "codebook.yaml")


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


needs_public_data = pytest.mark.skipif(not PUBLIC_DATA.exists(),
                                       reason="public data set not at ../shared/data/anthropic-interviewer")
