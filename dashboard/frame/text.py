"""Text from data or a URL, made safe to put into Streamlit Markdown: it shows as the very characters it holds.

Streamlit renders Markdown in st.markdown, st.caption, alerts, widget labels and help texts, metric labels
and deltas, expander and tab labels and st.pills options, with extras of its own: `:red[...]` directives,
`:material/...:` icons, emoji shortcodes and `$...$` LaTeX. A transcript id, an attribute value or a search
typed into a link could therefore draw an outside image (the browser fetches it) or a phishing link. Streamlit
has no escaping helper; CommonMark lets any ASCII punctuation be backslash-escaped, so `md_escape` does that
for every character that can start Markdown, and `md_code` makes a code span no value can break out of.

    st.caption(f"Transcript {md_escape(transcript_id)}")
    md_escape("![t](http://evil.example/x.png)")   # !\\[t\\](http\\://evil.example/x.png) as typed
"""
from __future__ import annotations

import re

# Punctuation that starts Markdown (emphasis, code, links and images, HTML, tables, strike-through, LaTeX,
# entities, headings, email autolinks). Left out, so ordinary text keeps its look in the page source: `_`
# between letters or digits (never emphasis in GFM), `:` unless it could start a directive, an icon or a
# URL scheme, and `.`/`-` (only special at a line's start, handled below).
_ALWAYS = re.compile(r"([\\`*\[\]<>|~$&#@])")
_LOOSE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_DIRECTIVE_COLON = re.compile(r":(?=[A-Za-z/])")  # :red[..], :material/x:, :smile:, http://
_WWW = re.compile(r"(?i)\b(www)\.")  # GFM links a bare www.example.com
_BLOCK_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")  # a list item or a setext underline at the start
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def md_escape(value: object) -> str:
    """`value` as text that Markdown shows literally: one line, every special character backslash-escaped,
    NUL bytes replaced (as CommonMark does).

    >>> print(md_escape("[Session expired](http://evil.example) $x$ :red[y]"))
    \\[Session expired\\](http\\://evil.example) \\$x\\$ \\:red\\[y\\]
    >>> md_escape("edu_1 · occupation: IT")
    'edu_1 · occupation: IT'
    """
    text = _LINE_BREAKS.sub(" ", str(value)).replace("\x00", "\ufffd")
    text = _ALWAYS.sub(r"\\\1", text)
    text = _LOOSE_UNDERSCORE.sub(r"\\_", text)
    text = _DIRECTIVE_COLON.sub(r"\\:", text)
    text = _WWW.sub(r"\1\\.", text)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if len(m.group(2)) == 1
                            else m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def md_code(value: object) -> str:
    """`value` as a Markdown code span (shown literally, in a monospace font) that no backtick in it can end.

    >>> md_code("a`b")
    '``a`b``'
    """
    text = _LINE_BREAKS.sub(" ", str(value)).replace("\x00", "\ufffd")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{padding}{text}{padding}{fence}"
