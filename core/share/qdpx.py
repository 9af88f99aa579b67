"""A filtered view as a REFI-QDA project (`.qdpx`), the exchange format of NVivo, ATLAS.ti, MAXQDA and QualCoder,
so a team can take Themescope's coding on into the tool the rest of the study uses:

    qdpx_bytes(view, redact=True)    # the bytes of a .qdpx file: a zip of project.qde and sources/*.txt

What the project holds (the REFI-QDA project schema of 18 March 2019, namespace urn:QDA-XML:project:1.0):
- Sources: every transcript in view as a TextSource, its text in `sources/<GUID>.txt` (UTF-8), masked like every
  export when `redact` (masking keeps the text's length, so the selections' offsets still hold).
- CodeBook: the themes in view as codes: label, description and the theme's colour in the dashboard and report.
- Coded selections: every quote of the view (`ViewSnapshot.quotes()`, the rows of the quotes exports) as a
  PlainTextSelection coded with its theme; startPosition/endPosition count characters (code points) from 0,
  end excluded, so `text[startPosition:endPosition]` is the quote.
- Variables and Cases: one case per transcript, its occupation and attributes as text variables.
- Description: what every export says of itself (`exports.about_rows`: filters, counts, the codebook's name,
  version and SHA-256, masking), without the time, so the same view always gives the same bytes.

Every GUID is a uuid5 of what the object is (a transcript id, a theme id, a quote's place), so an object keeps
its GUID from one export to the next.
"""
from __future__ import annotations

import io
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable

import numpy as np
import pandas as pd

from core import __version__
from core.share.exports import about_rows, attribute_columns
from core.share.redact import redactor
from core.views.colours import theme_colours
from core.views.snapshot import ViewSnapshot

NAMESPACE = "urn:QDA-XML:project:1.0"
# Fixed for good: every GUID derives from it, and a GUID must not change between Themescope versions.
_GUID_ROOT = uuid.UUID("9a4f7c2e-5b1d-5e8a-b3c6-0d2e4f6a8b1c")
_USER = "Themescope"
# Characters XML 1.0 cannot hold; a transcript may have them (the .txt sources keep them, the XML leaves them out).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every entry's time: the same view gives the same file
_NAME_LENGTH = 80                  # a selection's name: the quote's first words, as QDA tools list them


def guid(*identity: object) -> str:
    """The GUID of a project object, from what identifies it: the same identity, the same GUID.

    >>> guid("code", "speed") == guid("code", "speed") != guid("code", "cost")
    True
    """
    return str(uuid.uuid5(_GUID_ROOT, "\x1f".join(map(str, identity))))


def qdpx_bytes(view: ViewSnapshot, *, redact: bool = True) -> bytes:
    """The view as a .qdpx file: `project.qde` and one `sources/<GUID>.txt` per transcript in view."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        project = _project(view, redact, lambda name, data: _write(archive, name, data))
        ET.indent(project)  # readable by a person too; no element with text has children, so no text changes
        _write(archive, "project.qde", ET.tostring(project, encoding="utf-8", xml_declaration=True))
    return buffer.getvalue()


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16  # else unzip on Unix makes files nobody may read
    archive.writestr(entry, data)


def _project(view: ViewSnapshot, redact: bool, write: Callable[[str, bytes], None]) -> ET.Element:
    """The project element, its parts in the schema's order; writes each source's text with `write`."""
    book = view.analysis.codebook
    # The namespace as a plain attribute: ElementTree's `default_namespace` refuses unqualified attributes.
    root = _element("Project", xmlns=NAMESPACE, name=_xml_text(f"Themescope: {book.name}"),
                    origin=f"Themescope {__version__}")
    users = _element("Users", parent=root)
    _element("User", parent=users, guid=guid("user", _USER), name=_USER)
    _codebook(view, _element("CodeBook", parent=root))
    docs = np.flatnonzero(view.mask)
    variables = ["occupation", *attribute_columns(view.data)]
    _variables(variables, _element("Variables", parent=root))
    if len(docs):  # the schema wants at least one case and one source when the elements are there
        _cases(view, docs, variables, redact, _element("Cases", parent=root))
        _sources(view, docs, redactor(redact), write, _element("Sources", parent=root))
    description = [f"{field}: {value}" for field, value in about_rows(view, redact=redact) if field != "Exported"]
    _element("Description", parent=root).text = _xml_text("Themescope export of a filtered view\n"
                                                          + "\n".join(description))
    return root


def _codebook(view: ViewSnapshot, parent: ET.Element) -> None:
    codes = _element("Codes", parent=parent)
    colours = theme_colours(view.data.theme_ids)  # the dashboard's colours, so a theme looks the same there
    for theme in view.themes:
        code = _element("Code", parent=codes, guid=guid("code", theme), name=_xml_text(view.label(theme)),
                        isCodable="true", color=colours[theme])
        _element("Description", parent=code).text = _xml_text(view.analysis.codebook.theme(theme).description)


def _variables(names: list[str], parent: ET.Element) -> None:
    for name in names:
        _element("Variable", parent=parent, guid=guid("variable", name), name=_xml_text(name), typeOfVariable="Text")


def _cases(view: ViewSnapshot, docs: np.ndarray, variables: list[str], redact: bool, parent: ET.Element) -> None:
    """One case per transcript: its variables' values (masked like the exports' attribute columns), its source."""
    table = view.data.transcripts.iloc[docs]
    show = redactor(redact)
    for row in table.to_dict("records"):
        case = _element("Case", parent=parent, guid=guid("case", row["transcript_id"]),
                        name=_xml_text(row["transcript_id"]))
        for name in variables:
            value = _variable_value(view, name, row.get(name), show)
            if value:
                held = _element("VariableValue", parent=case)
                _element("VariableRef", parent=held, targetGUID=guid("variable", name))
                _element("TextValue", parent=held).text = _xml_text(value)
        _element("SourceRef", parent=case, targetGUID=guid("source", row["transcript_id"]))


def _variable_value(view: ViewSnapshot, name: str, value: object, show: Callable[[str], str]) -> str:
    """A case's value of a variable as text ("" when missing): the occupation by its label."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if name == "occupation":
        return view.label(str(value)) if value else ""
    return show(value) if isinstance(value, str) else str(value)


def _sources(view: ViewSnapshot, docs: np.ndarray, show: Callable[[str], str],
             write: Callable[[str, bytes], None], parent: ET.Element) -> None:
    """A TextSource per transcript with its quotes as coded selections; its text written as it goes (each
    transcript is read once and never all of them at a time)."""
    places = _quote_places(view)
    user = guid("user", _USER)
    for doc, transcript_id in zip(docs.tolist(), view.data.transcripts["transcript_id"].iloc[docs]):
        text = show(view.analysis.text(transcript_id))
        source_guid = guid("source", transcript_id)
        write(f"sources/{source_guid}.txt", text.encode("utf-8"))
        source = _element("TextSource", parent=parent, guid=source_guid, name=_xml_text(transcript_id),
                          plainTextPath=f"internal://{source_guid}.txt")
        for theme, start, end in places.get(doc, []):
            _selection(source, (transcript_id, theme, start, end), text, user)


def _quote_places(view: ViewSnapshot) -> dict[int, list[tuple[str, int, int]]]:
    """(theme, start, end) of every quote of the view, by transcript (its row number), in text order; as plain
    lists, since picking 30,000 rows out of a table one transcript at a time took 20 s."""
    quotes = view.quotes().sort_values(["doc", "quote_start", "quote_end", "theme"], kind="stable")
    places: dict[int, list[tuple[str, int, int]]] = {}
    for doc, theme, start, end in zip(quotes["doc"].tolist(), quotes["theme"].tolist(),
                                      quotes["quote_start"].tolist(), quotes["quote_end"].tolist()):
        places.setdefault(int(doc), []).append((theme, int(start), int(end)))
    return places


def _selection(source: ET.Element, place: tuple[str, str, int, int], text: str, user: str) -> None:
    """A PlainTextSelection of a quote at `place` (transcript id, theme, start, end), coded with its theme."""
    _, theme, start, end = place
    selection = _element("PlainTextSelection", parent=source, guid=guid("selection", *place),
                         name=_xml_text(_shortened(text[start:end])), startPosition=str(start),
                         endPosition=str(end), creatingUser=user)
    coding = _element("Coding", parent=selection, guid=guid("coding", *place), creatingUser=user)
    _element("CodeRef", parent=coding, targetGUID=guid("code", theme))


def _shortened(quote: str) -> str:
    words = " ".join(quote.split())
    return words if len(words) <= _NAME_LENGTH else words[:_NAME_LENGTH - 1].rstrip() + "…"


def _xml_text(text: object) -> str:
    return _NOT_IN_XML.sub("", str(text))


def _element(tag: str, *, parent: ET.Element | None = None, **attributes: str) -> ET.Element:
    if parent is None:
        return ET.Element(tag, attributes)
    return ET.SubElement(parent, tag, attributes)
