"""Helpers the browser tests share: waiting for a run to finish, screenshots, reading what is shown."""
from __future__ import annotations

import contextlib
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"  # git-ignored


def settle(page, extra_ms: int = 400) -> None:
    """Wait until the script run is over and the browser has drawn its result."""
    page.wait_for_timeout(150)
    page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=30_000)
    page.wait_for_timeout(extra_ms)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def matching_count(page) -> int:
    text = page.get_by_text(re.compile(r"of [\d,]+ transcripts match")).first.inner_text()
    return int(text.split(" of ")[0].replace(",", ""))


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def path(page) -> str:
    return urlparse(page.url).path


@contextlib.contextmanager
def new_tab(browser, width: int = 1400, height: int = 1000):
    """A tab in a fresh browser context (no cookies or storage shared with other tests) of the given size."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        yield context.new_page()
    finally:
        context.close()
