"""Exports of a view: quotes as CSV/XLSX (redacted by default), chart tables, chart images via Chromium."""
import io
import os
import struct
import time

import pandas as pd
import pytest
from openpyxl import load_workbook
from sharing_corpus import CODEBOOK, write_corpus
from sharing_corpus import analysed as analysed_corpus

from core import analyse, load_codebook
from core.share.exports import EXPORTERS, QUOTE_COLUMNS, chart_tables, csv_bytes, quotes_table, xlsx_bytes
from core.share.images import IMAGE_SCALE, IMAGE_WIDTH, ChartImageError, find_browser, render_chart_images
from core.views.filters import Filters, prepare
from core.views.snapshot import snapshot


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = write_corpus(tmp_path_factory.mktemp("sharing") / "transcripts")
    return analysed_corpus(folder, tmp_path_factory.mktemp("cache"))


@pytest.fixture
def view_of(analysed):
    return lambda filters=Filters(), **selection: snapshot(*analysed, filters, **selection)


def test_quotes_table_has_one_row_per_quote_in_view_and_the_attributes(view_of):
    table = quotes_table(view_of())
    assert list(table.columns) == [*QUOTE_COLUMNS, "region", "file"]
    assert len(table) == 8  # 9 hits, but edu_2's two Worry hits share a sentence: one quote, one row
    row = table.loc[table["term"] == "schedule"].iloc[0]
    assert (row["transcript_id"], row["theme_label"], row["occupation_label"], row["region"]) == \
           ("it_2", "Scheduling", "IT", "Asia")
    assert row["similarity"] == 100.0


# A row is a quote: edu_2's "fear" and "misinformation" share one sentence, one Worry quote (it was 2 rows
# when a row was a hit), hence 3 rows for education and for Asia.
@pytest.mark.parametrize("filters, selection, rows", [
    (Filters(occupations=("education",)), {}, 3),
    (Filters(attributes=(("region", ("Asia",)),)), {}, 3),
    (Filters(), {"theme": "scheduling"}, 3),
    (Filters(), {"theme": "accuracy", "occupation": "it_software"}, 2),
    (Filters(search="backups"), {}, 2),
])
def test_quotes_follow_the_filters_and_the_selection(view_of, filters, selection, rows):
    assert len(quotes_table(view_of(filters, **selection))) == rows


def test_quotes_are_redacted_by_default_and_offsets_still_hold(view_of):
    table = quotes_table(view_of())
    text = " ".join(table["quote"])
    for detail in ("jane.doe@acme.org", "+44 20 7946 0958", "https://intranet.acme.org/logs", "calendar@acme.org"):
        assert detail not in text
    assert "[email]" in text and "[phone]" in text and "[url]" in text
    # the sentence is cut at the same place, and the matched words are still where the engine found them
    it_1 = table.loc[(table["transcript_id"] == "it_1") & (table["term"] == "double check")].iloc[0]
    assert it_1["quote"].startswith("I'm a sysadmin and I double check every script, mail me at [email]")
    assert it_1["matched_text"] == "double check"


def test_a_hit_inside_an_email_does_not_leak_it(view_of):
    table = quotes_table(view_of())
    inside = table.loc[table["transcript_id"] == "it_3"].iloc[0]
    assert inside["term"] == "calendar" and "calendar" not in inside["matched_text"]
    assert "calendar@acme.org" not in inside["quote"]


def test_redaction_can_be_turned_off(view_of):
    text = " ".join(quotes_table(view_of(), redact=False)["quote"])
    assert "jane.doe@acme.org" in text and "+44 20 7946 0958" in text


def test_quotes_csv_round_trips_with_rows_columns_and_formula_guard(view_of):
    data = EXPORTERS["quotes_csv"].make(view_of(), redact=True)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 (and the mask characters) only with a BOM
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(table.columns) == [*QUOTE_COLUMNS, "region", "file"] and len(table) == 8  # a row per quote
    assert not table["quote"].str.startswith("=").any()
    assert "<script>alert('x')</script>" in " ".join(table["quote"])  # kept as text: CSV is not HTML


def test_a_formula_looking_cell_is_written_as_text():
    data = csv_bytes(pd.DataFrame({"quote": ["=1+2", "-12%", "- a dash", "@SUM(A1)", "fine"]}))
    assert pd.read_csv(io.BytesIO(data))["quote"].tolist() == ["'=1+2", "-12%", "'- a dash", "'@SUM(A1)", "fine"]


def test_quotes_xlsx_has_the_quotes_and_an_about_sheet(view_of):
    book = load_workbook(io.BytesIO(EXPORTERS["quotes_xlsx"].make(view_of(Filters(occupations=("education",))),
                                                                  redact=True)))
    assert book.sheetnames == ["quotes", "about"]
    rows = list(book["quotes"].values)
    # header + 3 quotes: edu_2's "fear" and "misinformation" are one quote (4 rows when a row was a hit)
    assert list(rows[0]) == [*QUOTE_COLUMNS, "region", "file"] and len(rows) == 4
    cells = [book["quotes"].cell(row=r, column=8) for r in range(2, 5)]
    assert all(c.data_type == "s" for c in cells)  # never a formula, even '=HYPERLINK(...'
    assert any("[handle]" in c.value for c in cells)
    about = dict(list(book["about"].values)[1:])
    assert about["Filters"] == "occupation: Education" and about["Transcripts matching"] == "2 of 5"
    assert about["Quotes in this file"] == "3" and not any(k.startswith("Quotes in the whole") for k in about)
    assert len(about["Codebook SHA-256"]) == 64 and about["Personal details"].startswith("masked")


def test_xlsx_drops_characters_a_workbook_cannot_hold():
    book = load_workbook(io.BytesIO(xlsx_bytes({"t": pd.DataFrame({"a": ["bell\x07 tab\t ok"]})}, [])))
    assert book["t"]["A2"].value == "bell tab\t ok"


def test_chart_tables_carry_ids_labels_and_numbers(view_of):
    tables = chart_tables(view_of(Filters(occupations=("it_software",))))
    assert list(tables) == ["prevalence", "by_occupation", "cooccurrence"]
    prevalence = tables["prevalence"].set_index("theme")
    assert prevalence.loc["accuracy", "theme_label"] == "Accuracy" and prevalence.loc["accuracy", "present"] == 2
    assert prevalence.loc["accuracy", "n"] == 3 and len(prevalence) == 4
    assert list(tables["by_occupation"].columns[:4]) == ["occupation", "occupation_label", "theme", "theme_label"]
    together = tables["cooccurrence"].set_index("theme")
    assert together.loc["accuracy", "scheduling"] == 2 and together.loc["accuracy", "accuracy"] == 2


@pytest.mark.parametrize("key", ["prevalence_csv", "by_occupation_csv", "cooccurrence_csv"])
def test_chart_csv_exports_read_back(view_of, key):
    table = pd.read_csv(io.BytesIO(EXPORTERS[key].make(view_of(), redact=True)))
    assert "theme_label" in table.columns and len(table) > 0


# ---------------------------------------------------------------- chart images
needs_browser = pytest.mark.skipif(find_browser() is None, reason="no Chrome/Chromium for kaleido")


@needs_browser
def test_chart_images_have_the_expected_size(view_of):
    charts = {c.name: c.figure for c in view_of().charts()[:1]}
    images = render_chart_images(charts, ("png", "svg"))
    assert set(images) == {"prevalence.png", "prevalence.svg"}
    png = images["prevalence.png"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (IMAGE_WIDTH * IMAGE_SCALE, charts["prevalence"].layout.height * IMAGE_SCALE)
    assert images["prevalence.svg"].startswith(b"<svg") and b"Accuracy" in images["prevalence.svg"]


def test_no_browser_is_a_clear_message_at_once(view_of, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    started = time.monotonic()
    with pytest.raises(ChartImageError, match="need Chrome or Chromium.*apt-get install chromium"):
        render_chart_images({"prevalence": view_of().charts()[0].figure})
    assert time.monotonic() - started < 1


def test_a_stuck_browser_is_stopped_never_a_hang(view_of, monkeypatch, tmp_path):
    stuck = tmp_path / "stuck-browser"
    stuck.write_text("#!/bin/sh\nsleep 120\n")
    stuck.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(stuck))
    started = time.monotonic()
    with pytest.raises(ChartImageError, match="took more than 3 s"):
        render_chart_images({"prevalence": view_of().charts()[0].figure}, timeout=3)
    assert time.monotonic() - started < 10
    time.sleep(0.3)
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _runs(p, str(stuck))]


def _runs(pid: str, program: str) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return program.encode() in f.read()
    except OSError:
        return False


# ---------------------------------------------------------------- column names are data too
FORMULA_NAME = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(scope="module")
def formula_named_view(tmp_path_factory):
    """A view whose metadata table has an attribute column named like a formula."""
    folder = write_corpus(tmp_path_factory.mktemp("formula") / "transcripts")
    metadata = folder / "metadata.csv"
    quoted = '"' + FORMULA_NAME.replace('"', '""') + '"'  # a CSV header cell holding quotes and a comma
    metadata.write_text(metadata.read_text().replace("transcript_id,region", f"transcript_id,{quoted}"))
    codebook = load_codebook(CODEBOOK)
    analysis = analyse([folder], codebook=codebook, cache_dir=tmp_path_factory.mktemp("formula-cache"))
    return snapshot(analysis, prepare(analysis.transcripts, analysis.themes, analysis.hits, codebook.theme_ids),
                    Filters())


def test_a_formula_named_column_is_plain_text_in_the_quotes_csv(formula_named_view):
    assert FORMULA_NAME in quotes_table(formula_named_view).columns  # the table keeps the real name
    table = pd.read_csv(io.BytesIO(EXPORTERS["quotes_csv"].make(formula_named_view, redact=True)),
                        encoding="utf-8-sig")
    assert "'" + FORMULA_NAME in table.columns and FORMULA_NAME not in table.columns
    assert not any(str(c).startswith(("=", "+", "-", "@")) for c in table.columns)


def test_a_formula_named_column_is_a_text_cell_in_the_quotes_xlsx(formula_named_view):
    book = load_workbook(io.BytesIO(EXPORTERS["quotes_xlsx"].make(formula_named_view, redact=True)))
    header = next(book["quotes"].iter_rows(min_row=1, max_row=1))
    named = [cell for cell in header if cell.value == FORMULA_NAME]
    assert len(named) == 1 and named[0].data_type == "s"  # shown as written, never run as a formula
    assert all(cell.data_type == "s" for cell in header)


@pytest.mark.parametrize("name", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx"])
def test_csv_and_xlsx_headers_never_start_a_formula(name):
    table = pd.DataFrame({name: ["a"], "plain": ["b"]})
    assert pd.read_csv(io.BytesIO(csv_bytes(table)), encoding="utf-8-sig", dtype=str).columns.tolist() == [
        "'" + name, "plain"]
    header = next(load_workbook(io.BytesIO(xlsx_bytes({"t": table}, [])))["t"].iter_rows(max_row=1))
    assert [(c.value, c.data_type) for c in header] == [(name, "s"), ("plain", "s")]
