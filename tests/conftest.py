from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from support import DATA, ROOT

from core import load_codebook  # noqa: E402  (support puts the project root on sys.path)
from core.files import ENV_LEXICON_CACHE


def pytest_configure(config):
    """The tests' lexicon cache is their own (servers and CLI runs they start inherit it): the words of
    property tests must not pile up in this machine's cache and slow every later run down."""
    if ENV_LEXICON_CACHE not in os.environ:
        config.lexicon_cache = tempfile.mkdtemp(prefix="themescope-test-lexicon-")
        os.environ[ENV_LEXICON_CACHE] = config.lexicon_cache


def pytest_unconfigure(config):
    if getattr(config, "lexicon_cache", None):
        shutil.rmtree(config.lexicon_cache, ignore_errors=True)
        os.environ.pop(ENV_LEXICON_CACHE, None)


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
