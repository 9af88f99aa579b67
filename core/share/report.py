"""The one-file HTML report of a view: works offline, from the dashboard's export menu or `themescope report`.

    html = build_report(snapshot(analysis, data, Filters(themes=("coding",))))

It holds the filter summary, the headline numbers, the overview's charts (interactive: plotly.js is inlined
once, so nothing is fetched), the table behind each chart, the top quotes of each theme (escaped and
highlighted by core.views.quotes, personal details masked by default) and a data summary with the codebook's
name and content hash. Every text that comes from data or the codebook is escaped.
"""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import plotly.io as pio

from core import __version__
from core.share.exports import about_rows, chart_tables
from core.share.redact import redactor
from core.views.colours import theme_highlights
from core.views.quotes import Span, quote_html, quote_of
from core.views.snapshot import ViewSnapshot

QUOTES_PER_THEME = 3
PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoom2d", "pan2d", "autoScale2d"]}
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;max-width:1100px;
margin:0 auto;padding:24px 32px 64px;line-height:1.5}
h1{margin-bottom:0}h2{margin-top:2.2em;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#57606a}.numbers{display:flex;gap:32px;flex-wrap:wrap;margin:16px 0}
.numbers div{min-width:150px}.numbers b{display:block;font-size:1.8rem}
.quote{border-left:4px solid #4C78A8;background:#f8f9fb;padding:8px 14px;margin:10px 0;border-radius:4px}
.why{color:#57606a;font-size:0.85rem;margin-top:4px}
table{border-collapse:collapse;font-size:0.85rem}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
details{margin:8px 0 0}summary{cursor:pointer;color:#4C78A8}
mark{padding:0 2px;border-radius:2px}
"""


def build_report(view: ViewSnapshot, *, redact: bool = True, quotes_per_theme: int = QUOTES_PER_THEME,
                 title: str = "Themescope report", now: datetime | None = None) -> str:
    """A complete HTML document (str) of `view`; see the module docstring.

    "<script src=" in build_report(view)
    False
    """
    now = now or datetime.now(UTC)
    book = view.analysis.codebook
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(book.name)} (codebook version {html.escape(str(book.version))}) · '
        f"generated {now.strftime('%Y-%m-%d %H:%M UTC')} by Themescope {__version__}</p>",
        _view_section(view, redact),
        _charts_section(view),
        _quotes_section(view, redact, quotes_per_theme),
        _data_section(view, redact, now),
    ]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
            + "\n".join(sections) + "\n</body></html>\n")


def _view_section(view: ViewSnapshot, redact: bool) -> str:
    numbers = view.headline()
    top = view.label(numbers["top_theme"]) if numbers["top_theme"] else "none"
    cells = [("Transcripts matching", f"{numbers['transcripts']:,}", f"of {numbers['total']:,} loaded"),
             ("Raise at least one theme", f"{numbers['raising_any_share']:.0%}", ""),
             ("Themes per transcript", f"{numbers['themes_per_transcript']:.1f}", "mean, themes in view"),
             ("Most raised theme", f"{numbers['top_share']:.0%}", top)]
    masked = ("Personal details (emails, phone numbers, URLs, @handles) are masked in the quotes."
              if redact else "Personal details are NOT masked in this report.")
    return (f"<h2>The view</h2><p><b>Filters:</b> {html.escape(view.describe())}<br>"
            f"<b>n = {view.n:,}</b> of {view.data.size:,} transcripts. {masked}</p>"
            '<div class="numbers">' + "".join(
                f"<div>{html.escape(name)}<b>{html.escape(value)}</b><span class=\"meta\">{html.escape(note)}"
                "</span></div>" for name, value, note in cells) + "</div>")


def _charts_section(view: ViewSnapshot) -> str:
    tables = chart_tables(view)
    parts = []
    for number, chart in enumerate(view.charts()):
        div = pio.to_html(chart.figure, full_html=False, include_plotlyjs=number == 0, config=PLOT_CONFIG,
                          div_id=f"chart-{chart.name}", default_width="100%")
        table = tables[chart.name].to_html(index=False, escape=True, float_format=lambda x: f"{x:.3f}")
        parts.append(f"<h2>{html.escape(chart.title)}</h2>{div}"
                     f"<details><summary>The table behind this chart</summary>{table}</details>")
    return "\n".join(parts)


def _quotes_section(view: ViewSnapshot, redact: bool, per_theme: int) -> str:
    shown_themes = [view.theme] if view.theme else view.prevalence()["theme"].tolist()
    colours = theme_highlights(view.data.theme_ids)
    show = redactor(redact)
    parts = [f"<h2>Top quotes per theme</h2><p class=\"meta\">Up to {per_theme} per theme, one per transcript, "
             "closest matches first" + (f", {html.escape(view.label(view.occupation))} only" if view.occupation
                                        else "") + ".</p>"]
    for theme in shown_themes:
        quotes, transcripts = view.quote_count(theme=theme)
        if not quotes:
            continue
        chosen = view.top_quotes(theme, per_theme)
        parts.append(f'<h3>{html.escape(view.label(theme))} <span class="meta" data-quotes="{quotes}">'
                     f"· {quotes:,} quotes from {transcripts:,} transcripts</span></h3>")
        parts += [_quote_html(view, quote, show, colours.get(theme, "#ffe58f")) for quote in chosen.itertuples()]
    return "\n".join(parts)


def _quote_html(view: ViewSnapshot, quote, show, colour: str) -> str:
    shown = show(view.analysis.text(quote.transcript_id))  # same length as the text: the quote's offsets hold
    matched = [shown[int(s):int(e)] for s, e in zip(quote.hit_starts, quote.hit_ends)]
    spans = [Span(int(s), int(e), colour, f"{term} \u2192 {words}")
             for s, e, term, words in zip(quote.hit_starts, quote.hit_ends, quote.terms, matched)]
    body = quote_html(shown, quote_of(quote), spans)
    similarity = "exact" if quote.similarity >= 100 else f"similarity {quote.similarity:.0f}"
    why = ", ".join(f"<code>{html.escape(term)}</code> &rarr; <code>{html.escape(words)}</code>"
                    for term, words in dict.fromkeys(zip(quote.terms, matched)))
    return (f'<div class="quote">{body}<div class="why">{html.escape(quote.transcript_id)}, turn '
            f"{int(quote.turn)} · {html.escape(view.label(quote.occupation))} · matched {why} ({similarity})"
            "</div></div>")


def _data_section(view: ViewSnapshot, redact: bool, now: datetime) -> str:
    report, book = view.analysis.report, view.analysis.codebook
    about = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                    for k, v in about_rows(view, redact=redact, now=now, in_file="Quotes in this view"))
    files = "".join(f"<tr><td>{html.escape(_file_name(f))}</td><td>{n:,}</td></tr>"
                    for f, n in report.loaded.items())
    problems = (f"{len(report.problems)} file(s) or row(s) skipped or changed while loading."
                if report.problems else "Nothing was skipped while loading.")
    return (f"<h2>Data and codebook</h2><table>{about}</table>"
            f"<p>{html.escape(problems)} Codebook: {len(book.themes)} themes, {len(book.occupations)} occupation "
            f"groups, scope <code>{html.escape(book.settings.scope)}</code>; its SHA-256 identifies the exact "
            f"file used.</p><details><summary>Files loaded</summary><table><tr><th>file</th>"
            f"<th>transcripts</th></tr>{files}</table></details>")


def _file_name(path: str) -> str:
    return re.split(r"[\\/]", str(path))[-1]
