from __future__ import annotations

import pytest
from support import DATA, ROOT

from core import load_codebook  # noqa: E402  (support puts the project root on sys.path)


@pytest.fixture(scope="session")
def tiny_codebook():
    return load_codebook(DATA / "tiny_codebook.yaml")


@pytest.fixture(scope="session")
def default_codebook():
    return load_codebook(ROOT / "config" / "codebook.yaml")


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


@pytest.fixture(autouse=True)
def _streamlit_error_details():
    """The shipped .streamlit/config.toml hides error details from users; tests need to read them."""
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")
    yield
