"""Files of a filtered view: the quotes as CSV and XLSX, the table behind every chart as CSV, the HTML report.

A view is a `core.views.snapshot.ViewSnapshot` (an analysis, its filters and a drill-down selection: the
same object the dashboard's pages show); every exporter is a small object in `EXPORTERS` that turns one
into bytes, with personal details masked or not:

    view = snapshot(analysis, prepare(...), Filters(occupations=("legal",)))
    EXPORTERS["quotes_xlsx"].make(view, redact=True)      # the bytes of an .xlsx file

Quotes are redacted on the whole transcript text before the sentence is cut out (`core.redact` keeps the
length, so the engine's offsets still point at the same words), and the matched text is taken from the
redacted text too, so a hit inside an email address cannot leak it. Text cells that a spreadsheet would run
as a formula (starting with = + - @) are written as text, and so are column names (an attribute column is
named by whoever made the metadata table).
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from core import __version__
from core.engine.pipeline import Analysis
from core.share.redact import redactor
from core.views.filters import CORE_COLUMNS, ViewData
from core.views.quotes import quote_of
from core.views.snapshot import ViewSnapshot

# One row per quote (`core.views.quotes.group_quotes`): `hits` is how many hits of the theme the quote holds,
# `term` and `matched_text` list them all ("; " between), `similarity` is the lowest, `start`/`end` are where
# the quote is in the transcript.
QUOTE_COLUMNS = ["transcript_id", "theme", "theme_label", "occupation", "occupation_label", "turn", "speaker",
                 "quote", "hits", "term", "matched_text", "similarity", "start", "end"]
LIST_SEPARATOR = "; "
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d[\d,.]*%?")
# Control characters an XLSX file cannot hold (openpyxl refuses them); tabs and line breaks are fine.
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# ---------------------------------------------------------------- tables
def quotes_table(view: ViewSnapshot, *, redact: bool = True) -> pd.DataFrame:
    """One row per quote in view (the rows the Quotes page shows as cards): QUOTE_COLUMNS, then the
    transcript's attributes (`quote` is the sentence holding the quote's hits, as on the Quotes page).

    quotes_table(view).columns[:4].tolist()
    ['transcript_id', 'theme', 'theme_label', 'occupation']
    """
    chosen = view.quotes()
    sentence, matched = _quoted_text(view.analysis, chosen, redactor(redact))
    table = pd.DataFrame({
        "transcript_id": chosen["transcript_id"].to_numpy(), "theme": chosen["theme"].to_numpy(),
        "theme_label": [view.label(t) for t in chosen["theme"]],
        "occupation": chosen["occupation"].to_numpy(),
        "occupation_label": [view.label(o) for o in chosen["occupation"]],
        "turn": chosen["turn"].to_numpy(), "speaker": chosen["speaker"].to_numpy(), "quote": sentence,
        "hits": chosen["hits"].to_numpy(),
        "term": [LIST_SEPARATOR.join(dict.fromkeys(terms)) for terms in chosen["terms"]],
        "matched_text": matched, "similarity": chosen["similarity"].round(1).to_numpy(),
        "start": chosen["quote_start"].to_numpy(), "end": chosen["quote_end"].to_numpy()})
    attributes = _attributes(view.data, chosen["doc"].to_numpy(), redact)
    return pd.concat([table, attributes], axis=1)


def _quoted_text(analysis: Analysis, quotes: pd.DataFrame, show: Callable[[str], str]) -> tuple[list, list]:
    """The sentence and the matched words of every quote, from the shown (maybe redacted) text; the
    quote's place was cut from the original text, so it is the same stretch with or without redaction."""
    sentences, matched = [], []
    shown_of: dict[str, str] = {}  # each transcript read (and redacted) once
    for row in quotes.itertuples():
        if row.transcript_id not in shown_of:
            shown_of[row.transcript_id] = show(analysis.text(row.transcript_id))
        shown = shown_of[row.transcript_id]
        sentences.append(quote_of(row).of(shown))
        matched.append(LIST_SEPARATOR.join(shown[int(s):int(e)] for s, e in zip(row.hit_starts, row.hit_ends)))
    return sentences, matched


def attribute_columns(data: ViewData) -> list[str]:
    """The transcripts' columns beyond the engine's own (metadata, table columns, the source file)."""
    return [c for c in data.transcripts.columns if c not in CORE_COLUMNS]


def _attributes(data: ViewData, docs: np.ndarray, redact: bool) -> pd.DataFrame:
    table = data.transcripts[attribute_columns(data)].iloc[docs].reset_index(drop=True)
    show = redactor(redact)
    for column in table.columns:
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = table[column].map(lambda v: show(v) if isinstance(v, str) else v)
    return table


def chart_tables(view: ViewSnapshot) -> dict[str, pd.DataFrame]:
    """The table behind each overview chart, by chart name, with a readable label beside every id."""
    tables = {}
    for chart in view.charts():
        table = chart.table
        if "theme" not in table.columns:  # the co-occurrence matrix: themes are its index
            table = table.rename_axis("theme").reset_index()
        tables[chart.name] = _with_labels(table, view.label)
    return tables


def _with_labels(table: pd.DataFrame, label_of: Callable[[str], str]) -> pd.DataFrame:
    table = table.copy()
    for column in ("theme", "occupation"):
        if column in table.columns:
            table.insert(table.columns.get_loc(column) + 1, f"{column}_label", table[column].map(label_of))
    return table


def about_rows(view: ViewSnapshot, *, redact: bool, now: datetime | None = None,
               in_file: str = "Quotes in this file") -> list[tuple[str, str]]:
    """What an export is: filters, counts, codebook (name, version, content hash), redaction, time.
    `in_file` names the count of `view.quotes()` (the rows of the quotes sheet)."""
    book, report = view.analysis.codebook, view.analysis.report
    now = now or datetime.now(UTC)
    return [("Exported", now.strftime("%Y-%m-%d %H:%M UTC")), ("Themescope", __version__),
            ("Filters", view.describe()), ("Transcripts matching", f"{view.n:,} of {view.data.size:,}"),
            *quote_count_rows(view, in_file),
            ("Codebook", f"{book.name}, version {book.version}"), ("Codebook SHA-256", book.content_hash),
            ("Data files", f"{len(report.loaded)} ({report.total:,} transcripts loaded)"),
            ("Personal details", "masked (emails, phone numbers, URLs, @handles)" if redact else "NOT masked")]


def quote_count_rows(view: ViewSnapshot, in_file: str) -> list[tuple[str, str]]:
    """The quotes of the view as the file holds them (the drill-down selection), and the whole view's
    count beside it when the selection narrows it, each labelled for what it counts."""
    rows = [(in_file, f"{len(view.quotes()):,}")]
    if view.narrowed:
        rows.append(("Quotes in the whole view (without the Quotes page's selection)",
                     f"{len(view.quotes(selection=False)):,}"))
    return rows


# ---------------------------------------------------------------- file formats
def spreadsheet_safe(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers and other text pass.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("-12%"), spreadsheet_safe("plain")
    ("'=HYPERLINK(1)", '-12%', 'plain')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads accents and masks right), formula-safe text."""
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(spreadsheet_safe)
    safe.columns = [spreadsheet_safe(str(column)) for column in safe.columns]  # a column's name is data too
    return safe.to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, pd.DataFrame], about: list[tuple[str, str]]) -> bytes:
    """An .xlsx workbook: one sheet per table (bold header, frozen first row) and an "about" sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    for name, table in {**sheets, "about": pd.DataFrame(about, columns=["field", "value"])}.items():
        sheet = book.create_sheet(name[:31])
        sheet.freeze_panes = "A2"
        for number, column in enumerate(table.columns):
            sheet.column_dimensions[_column_letter(number)].width = _width(table[column])
        header = []
        for column in table.columns:  # a column's name is data too: a text cell, never a formula
            cell = _xlsx_cell(sheet, str(column), WriteOnlyCell)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in table.itertuples(index=False):
            sheet.append([_xlsx_cell(sheet, value, WriteOnlyCell) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value, cell_type):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        cell = cell_type(sheet, value=_ILLEGAL_XLSX.sub("", value))
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    return value


def _column_letter(number: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(number + 1)


def _width(column: pd.Series) -> float:
    longest = column.head(200).map(lambda v: len(str(v))).max() if len(column) else 0
    return float(min(max(len(str(column.name)), int(longest or 0)) + 2, 80))


# ---------------------------------------------------------------- the registry
@dataclass(frozen=True)
class Exporter:
    """One downloadable file of a view."""

    key: str
    label: str
    file_name: str
    mime: str
    make: Callable[..., bytes]   # make(view, redact=...) -> the file's bytes
    has_quotes: bool = True      # does redaction change it?


def _quotes_csv(view: ViewSnapshot, *, redact: bool) -> bytes:
    return csv_bytes(quotes_table(view, redact=redact))


def _quotes_xlsx(view: ViewSnapshot, *, redact: bool) -> bytes:
    return xlsx_bytes({"quotes": quotes_table(view, redact=redact)}, about_rows(view, redact=redact))


def _chart_csv(name: str) -> Callable[..., bytes]:
    def make(view: ViewSnapshot, *, redact: bool) -> bytes:
        return csv_bytes(chart_tables(view)[name])
    return make


def _report_html(view: ViewSnapshot, *, redact: bool) -> bytes:
    from core.share.report import build_report  # the report draws on this module's tables
    return build_report(view, redact=redact).encode("utf-8")


def _project_qdpx(view: ViewSnapshot, *, redact: bool) -> bytes:
    from core.share.qdpx import qdpx_bytes  # the project draws on this module's `about_rows`
    return qdpx_bytes(view, redact=redact)


EXPORTERS: dict[str, Exporter] = {e.key: e for e in [
    Exporter("quotes_csv", "Quotes (CSV)", "themescope-quotes.csv", "text/csv", _quotes_csv),
    Exporter("quotes_xlsx", "Quotes (Excel)", "themescope-quotes.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _quotes_xlsx),
    Exporter("prevalence_csv", "Theme prevalence table (CSV)", "themescope-prevalence.csv", "text/csv",
             _chart_csv("prevalence"), has_quotes=False),
    Exporter("by_occupation_csv", "Occupation x theme table (CSV)", "themescope-by-occupation.csv", "text/csv",
             _chart_csv("by_occupation"), has_quotes=False),
    Exporter("cooccurrence_csv", "Co-occurrence table (CSV)", "themescope-cooccurrence.csv", "text/csv",
             _chart_csv("cooccurrence"), has_quotes=False),
    Exporter("report_html", "Report (one HTML file, works offline)", "themescope-report.html", "text/html",
             _report_html),
    Exporter("qdpx", "REFI-QDA project (.qdpx)", "themescope-project.qdpx", "application/zip", _project_qdpx),
]}
