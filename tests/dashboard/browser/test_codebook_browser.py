"""The codebook workbench in a real Chromium: edit the YAML, see the preview, save, find the new file and the
previous version. The server runs on a temporary copy of the workbench codebook (never config/codebook.yaml)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pw import screenshot, settle

from core.codebook.history import list_versions

WORKBENCH = Path(__file__).resolve().parents[2] / "data" / "workbench"


@pytest.fixture
def workbench_server(tmp_path, start_dashboard):
    codebook = tmp_path / "codebook.yaml"
    shutil.copy(WORKBENCH / "codebook.yaml", codebook)
    return start_dashboard("--data", str(WORKBENCH / "transcripts"), "--codebook", str(codebook)), codebook


def test_edit_preview_save_in_the_browser(page, workbench_server):
    url, codebook = workbench_server
    original = codebook.read_text()
    page.goto(url + "/codebook")
    settle(page)
    page.get_by_text("Plain text editor").click()  # this test drives the plain text area
    settle(page)
    editor = page.locator("[data-testid=stTextArea] textarea")
    assert editor.input_value() == original
    editor.fill(original.replace("threshold: 88", "threshold: 85"))  # `calandar` (87.5) now matches
    page.get_by_role("button", name="Preview", exact=True).click()
    settle(page)
    page.get_by_text("Quotes gained: 1").wait_for(timeout=10_000)
    assert page.locator('[data-testid="cb-quotes-gained"] mark').first.inner_text() == "calandar"
    assert "unsaved edit" in page.get_by_test_id("stTextArea").inner_text()
    screenshot(page, "codebook-preview")

    page.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    page.get_by_text("the dashboard now uses it").wait_for(timeout=10_000)
    assert "threshold: 85" in codebook.read_text()
    versions = list_versions(codebook)
    assert len(versions) == 1 and versions[0].text() == original
    assert page.get_by_text("Earlier versions (1)").count() == 1
    assert "same as the saved file" in page.get_by_test_id("stTextArea").inner_text()
    screenshot(page, "codebook-saved")


def test_the_code_editor_numbers_lines_marks_errors_and_saves(page, workbench_server):
    url, codebook = workbench_server
    page.goto(url + "/codebook")
    settle(page, 1500)
    frame = page.frame_locator("iframe[title*=code_editor]")
    gutter = frame.locator(".ace_gutter-cell")
    gutter.first.wait_for(timeout=15_000)
    assert gutter.nth(0).inner_text() == "1" and gutter.nth(1).inner_text() == "2"  # line numbers
    assert frame.locator(".ace_keyword, .ace_meta, .ace_string").count() > 0  # YAML colours
    frame.locator(".ace_content").click()
    page.keyboard.press("Control+Home")
    page.keyboard.type("# edited in the code editor\n")
    page.get_by_text("unsaved edit").wait_for(timeout=10_000)
    page.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    page.get_by_text("the dashboard now uses it").wait_for(timeout=10_000)
    assert codebook.read_text().startswith("# edited in the code editor\n")
    screenshot(page, "codebook-code-editor")
