"""Sign-in end to end in a real Chromium: the dashboard with an `[auth]` secrets section against a real OpenID
Connect provider (oidc-provider-mock, on loopback), the roles file deciding what each user may do.

The provider's authorize page lets the test type a subject; the ID token then carries `email` = that subject.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pw import settle
from sharing_corpus import CODEBOOK, write_corpus

ROOT_DIR = Path(__file__).resolve().parents[3]
ROLES = "default: viewer\nemails:\n  cora@example.org: coder\n"
EMAIL_IN_QUOTES = "jane.doe@acme.org"  # a personal detail in the sharing corpus


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def provider():
    """An OpenID Connect provider on a free loopback port, in a thread of this process."""
    import oidc_provider_mock
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Transcripts, a codebook copy (labels land beside it), the roles file and the secrets file."""
    folder = tmp_path_factory.mktemp("login")
    write_corpus(folder / "transcripts")
    shutil.copy(CODEBOOK, folder / "codebook.yaml")
    (folder / "roles.yaml").write_text(ROLES)
    return folder


@pytest.fixture(scope="module")
def dashboard(provider, folder):
    """The dashboard with sign-in configured: its secrets file is passed with --secrets.files, so neither the
    project's nor the user's .streamlit folder is read or written."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    secrets = folder / "secrets.toml"
    secrets.write_text(f'[auth]\nredirect_uri = "{url}/oauth2callback"\ncookie_secret = "{os.urandom(16).hex()}"\n'
                       f'client_id = "themescope-test"\nclient_secret = "test-secret"\n'
                       f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT_DIR / "dashboard" / "app.py"),
               "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--client.toolbarMode", "minimal", "--secrets.files", str(secrets), "--",
               "--data", str(folder / "transcripts"), "--codebook", str(folder / "codebook.yaml"),
               "--roles", str(folder / "roles.yaml"), "--cache-dir", str(folder / "cache")]
    server = subprocess.Popen(command, cwd=ROOT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        _wait_until_healthy(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(10)


def _wait_until_healthy(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"the dashboard did not start: {server.stderr.read().decode()[-2000:]}")


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    yield context.new_page()
    context.close()


def sign_in(tab, dashboard: str, email: str) -> None:
    """Press Sign in, type the subject on the provider's page, authorize, land back on the dashboard."""
    tab.goto(dashboard)
    settle(tab)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_selector('input[name="sub"]', timeout=20_000)
    tab.fill('input[name="sub"]', email)
    tab.get_by_role("button", name="Authorize").click()
    tab.wait_for_url(dashboard + "/**", timeout=20_000)
    settle(tab)
    tab.get_by_text(f"Signed in as {email}").wait_for(timeout=20_000)


def test_an_anonymous_visitor_sees_the_sign_in_and_no_data(tab, dashboard):
    for path in ("/", "/quotes?sel_theme=accuracy&redact=0"):
        tab.goto(dashboard + path)
        settle(tab)
        assert tab.get_by_role("button", name="Sign in").is_visible()
        body = tab.inner_text("body")
        assert EMAIL_IN_QUOTES not in body and "transcripts match" not in body and "Export" not in body


def test_a_viewer_sees_masked_quotes_downloads_masked_files_and_cannot_save(tab, dashboard, tmp_path):
    sign_in(tab, dashboard, "val@example.org")
    tab.get_by_text("Signed in as val@example.org (viewer)").wait_for()
    tab.goto(dashboard + "/quotes?sel_theme=accuracy&redact=0")  # a link asking for the unmasked text
    settle(tab)
    body = tab.inner_text("body")
    assert "[email]" in body and EMAIL_IN_QUOTES not in body
    tab.get_by_role("button", name="Export").click()
    with tab.expect_download(timeout=60_000) as info:
        tab.get_by_role("button", name="Quotes (CSV)", exact=True).click()
    info.value.save_as(tmp_path / "quotes.csv")
    quotes = pd.read_csv(tmp_path / "quotes.csv")
    assert not quotes.empty and not quotes.to_string().count(EMAIL_IN_QUOTES)
    tab.goto(dashboard + "/codebook")
    settle(tab)
    tab.get_by_text("Your role (viewer) may read the codebook").wait_for(timeout=20_000)
    assert tab.get_by_role("button", name="Save").count() == 0


def test_a_coders_mark_carries_their_name_in_the_labels_file(tab, dashboard, folder):
    sign_in(tab, dashboard, "cora@example.org")
    tab.get_by_text("Signed in as cora@example.org (coder)").wait_for()
    tab.goto(dashboard + "/quotes?sel_theme=accuracy")
    settle(tab)
    assert EMAIL_IN_QUOTES in tab.inner_text("body")  # a coder reads the text as it is
    tab.locator("[data-testid=stButtonGroup] button").filter(has_text="right").first.click()
    labels_file = folder / "labels.cora@example.org.yaml"
    deadline = time.monotonic() + 20
    while not labels_file.exists() and time.monotonic() < deadline:
        tab.wait_for_timeout(200)
    labels = yaml.safe_load(labels_file.read_text())
    assert labels["coder"] == "cora@example.org"
    assert [(q["theme"], q["correct"]) for q in labels["quotes"]] == [("accuracy", True)]
    assert not (folder / "labels.yaml").exists()
