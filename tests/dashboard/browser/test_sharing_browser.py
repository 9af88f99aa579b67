"""Sharing in a real Chromium: copy the link, present, download every export and check what is inside,
and open the HTML report with networking off."""
from __future__ import annotations

import io
import struct
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pw import query, screenshot, settle

from core import analyse, load_codebook
from core.share.exports import QUOTE_COLUMNS, attribute_columns, chart_tables, quotes_table
from core.share.images import IMAGE_SCALE, IMAGE_WIDTH, chart_figures, find_browser
from core.views.filters import Filters, prepare
from core.views.snapshot import snapshot

ROOT_DIR = Path(__file__).resolve().parents[3]
VIEW = "/?occupation=it_software&occupation=education&min_hits=2"
FILTERS = Filters(occupations=("it_software", "education"), min_hits=2)
FILES = ["themescope-quotes.csv", "themescope-quotes.xlsx", "themescope-prevalence.csv",
         "themescope-by-occupation.csv", "themescope-cooccurrence.csv", "themescope-report.html"]


@pytest.fixture(scope="module")
def expected():
    """What the VIEW link's exports must hold, computed with core alone."""
    codebook = load_codebook(ROOT_DIR / "config" / "codebook.yaml")
    analysis = analyse([ROOT_DIR / "data"], codebook=codebook, cache_dir=ROOT_DIR / ".themescope-cache")
    data = prepare(analysis.transcripts, analysis.themes, analysis.hits, codebook.theme_ids)
    view = snapshot(analysis, data, FILTERS)
    return {"quotes": quotes_table(view), "columns": [*QUOTE_COLUMNS, *attribute_columns(data)],
            "charts": {c.name: c for c in view.charts()}, "images": chart_figures(view),
            "tables": chart_tables(view), "n": view.n}


def open_view(page, url: str) -> None:
    page.goto(url)
    settle(page)
    page.wait_for_selector(".js-plotly-plot", timeout=20_000)


def download(page, label: str, folder: Path) -> Path:
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=label, exact=True).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


@pytest.fixture(scope="module")
def downloaded(browser, server_url, tmp_path_factory):
    """Every export of the VIEW link, downloaded through the Export menu as a user would."""
    folder = tmp_path_factory.mktemp("downloads")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    try:
        open_view(page, server_url + VIEW)
        page.get_by_role("button", name="Export").click()
        page.get_by_role("button", name="Quotes (CSV)").wait_for()
        files = {}
        for label in ["Quotes (CSV)", "Quotes (Excel)", "Theme prevalence table (CSV)",
                      "Occupation x theme table (CSV)", "Co-occurrence table (CSV)",
                      "Report (one HTML file, works offline)"]:
            path = download(page, label, folder)
            files[path.name] = path
        if find_browser() is not None:
            page.get_by_role("button", name="Render the chart images").click()
            page.get_by_role("button", name="prevalence.png").wait_for(timeout=60_000)
            screenshot(page, "export-menu")
            for name in ("prevalence.png", "prevalence.svg", "by_occupation.png", "cooccurrence.svg"):
                path = download(page, name, folder)
                files[path.name] = path
        yield files
    finally:
        context.close()


def test_every_export_downloads_under_its_name(downloaded):
    assert set(FILES) <= set(downloaded)
    assert all(downloaded[name].stat().st_size > 0 for name in FILES)


def test_the_quotes_csv_has_every_quote_of_the_view(downloaded, expected):
    table = pd.read_csv(downloaded["themescope-quotes.csv"], encoding="utf-8-sig")
    assert list(table.columns) == expected["columns"]
    assert len(table) == len(expected["quotes"]) > 0
    assert set(table["occupation"]) == {"it_software", "education"}
    assert table["quote"].tolist() == expected["quotes"]["quote"].tolist()


def test_the_quotes_workbook_has_the_same_rows_and_an_about_sheet(downloaded, expected):
    book = load_workbook(io.BytesIO(downloaded["themescope-quotes.xlsx"].read_bytes()))
    rows = list(book["quotes"].values)
    assert list(rows[0]) == expected["columns"] and len(rows) - 1 == len(expected["quotes"])
    about = dict(list(book["about"].values)[1:])
    assert about["Transcripts matching"] == f"{expected['n']} of 48"
    assert about["Personal details"].startswith("masked")


@pytest.mark.parametrize("file, chart", [("themescope-prevalence.csv", "prevalence"),
                                         ("themescope-by-occupation.csv", "by_occupation"),
                                         ("themescope-cooccurrence.csv", "cooccurrence")])
def test_each_chart_table_matches_the_chart(downloaded, expected, file, chart):
    table = pd.read_csv(downloaded[file], encoding="utf-8-sig")
    wanted = expected["tables"][chart]
    assert list(table.columns) == list(wanted.columns) and len(table) == len(wanted)


@pytest.mark.skipif(find_browser() is None, reason="no Chrome/Chromium for kaleido")
def test_chart_images_have_the_expected_size(downloaded, expected):
    for name in ("prevalence", "by_occupation"):
        png = downloaded[f"themescope-{name}.png"].read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        height = expected["images"][name].layout.height  # titled for an image: taller than on screen
        assert struct.unpack(">II", png[16:24]) == (IMAGE_WIDTH * IMAGE_SCALE, height * IMAGE_SCALE)
    svg = downloaded["themescope-cooccurrence.svg"].read_text(encoding="utf-8")
    assert svg.startswith("<svg") and f'width="{IMAGE_WIDTH}"' in svg


def test_the_report_renders_its_charts_with_networking_off(browser, downloaded, expected):
    context = browser.new_context(offline=True, viewport={"width": 1300, "height": 900})
    requested = []
    context.route("**/*", lambda route: (requested.append(route.request.url), route.abort()
                                         if not route.request.url.startswith(("file:", "data:")) else
                                         route.continue_()))
    page = context.new_page()
    try:
        page.goto(downloaded["themescope-report.html"].as_uri())
        page.wait_for_selector("#chart-prevalence .main-svg", timeout=20_000)
        assert page.locator(".js-plotly-plot").count() == 3
        bars = page.locator("#chart-prevalence .bars .point path").count()
        assert bars == (expected["tables"]["prevalence"]["present"] > 0).sum() > 0
        assert page.locator("#chart-by_occupation .hm").count() + page.locator("#chart-by_occupation image").count() > 0
        assert page.get_by_text(f"n = {expected['n']}").count() == 1
        assert [url for url in requested if not url.startswith(("file:", "data:"))] == []
        screenshot(page, "report-offline")
    finally:
        context.close()


def test_copy_link_copies_the_url_of_the_view(browser, server_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    page = context.new_page()
    try:
        page.goto(server_url + "/quotes?occupation=education&sel_theme=writing")
        settle(page)
        page.locator("#ts-copy-link").click()
        page.wait_for_function("document.getElementById('ts-copy-link').textContent.includes('copied')")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.url and "occupation=education" in copied and "sel_theme=writing" in copied
    finally:
        context.close()


def test_presentation_mode_keeps_the_view_across_pages(page, server_url, expected):
    open_view(page, server_url + VIEW)
    page.get_by_text("Present", exact=True).click()
    settle(page)
    assert query(page)["present"] == ["1"] and query(page)["occupation"] == ["it_software", "education"]
    assert page.get_by_test_id("stSidebar").count() == 0 or not page.get_by_test_id("stSidebar").is_visible()
    assert page.get_by_text(f"n = {expected['n']}").first.is_visible()
    page.get_by_role("link", name="Quotes").first.click()
    page.wait_for_url("**/quotes?**", timeout=10_000)
    settle(page)
    assert query(page)["present"] == ["1"] and query(page)["min_hits"] == ["2"]
    assert page.get_by_test_id("stSelectbox").count() == 0
    screenshot(page, "quotes-presenting")
