"""Saving a codebook without ever losing text: atomic writes, every earlier version kept, drafts for invalid edits.

    result = save_codebook("config/codebook.yaml", edited_text)
    result.saved          # True: the edit is the active codebook; the previous one is in config/.history/
    result.problems       # when invalid: the errors; the text is in config/codebook.draft.yaml instead
    list_versions("config/codebook.yaml")           # newest first
    restore_version("config/codebook.yaml", versions[1])

Saves never overwrite someone else's: an editor passes `expected=text_hash(base)`, the hash of the text its
edit began from. If the file holds anything else by the time of the save (another session saved, an outside
editor wrote), nothing is written and the result carries a `Conflict` with the three texts, so the
researcher chooses. The check, the history copy and the write happen under the file's lock
(`core.files.locked`), so of several saves begun from the same text exactly one succeeds.

History files are named `<stem>-<UTC time>-<first 12 hex of sha256>.yaml`, so they sort by time and a
version's content can be checked against its name.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.codebook.model import Codebook, parse_codebook
from core.errors import CodebookError, Problem
from core.files import locked, write_atomically

HISTORY_FOLDER = ".history"
TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
_VERSION_NAME = re.compile(r"^(?P<stem>.+)-(?P<time>\d{8}T\d{12}Z)-(?P<hash>[0-9a-f]{12})\.yaml$")


@dataclass(frozen=True)
class Version:
    """One earlier version of a codebook file."""

    path: Path
    saved_at: datetime
    content_hash: str

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Conflict:
    """A save refused because the file changed since the edit began: the three texts to merge from."""

    yours: str            # the text that was to be saved
    theirs: str           # the file's text now
    base: str | None      # the text the edit began from, when the caller gave it


@dataclass(frozen=True)
class SaveResult:
    saved: bool                        # the text is now the active codebook
    path: Path                         # where the text went: the codebook or its draft
    codebook: Codebook | None = None   # the validated codebook when saved
    previous: Version | None = None    # where the replaced text was kept
    problems: list[Problem] = field(default_factory=list)
    conflict: Conflict | None = None   # set when the file changed since the edit began; nothing was written


def text_hash(text: str) -> str:
    """The sha256 (hex) of a codebook text, as `save_codebook(expected=...)` compares it.

    >>> text_hash("")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current_text(path: str | Path) -> str:
    """The file's text as an editor shows it ("" for a missing file): a UTF-8 byte-order mark dropped and line
    ends read as newlines, so a file saved with CRLF or a BOM still matches the text an edit began from."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return ""
    text = data.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def history_folder(codebook_path: str | Path) -> Path:
    return Path(codebook_path).parent / HISTORY_FOLDER


def draft_path(codebook_path: str | Path) -> Path:
    """config/codebook.yaml -> config/codebook.draft.yaml"""
    path = Path(codebook_path)
    return path.with_name(f"{path.stem}.draft{path.suffix or '.yaml'}")


def save_codebook(path: str | Path, text: str, *, expected: str | None = None,
                  base_text: str | None = None) -> SaveResult:
    """Validate `text` and make it the active codebook at `path`, keeping the text it replaces in history.

    An invalid text is written to the draft file instead and the active codebook is left as it is; a valid
    save removes an outdated draft. Every write is atomic: a crash leaves the old file or the new one whole.
    `expected`: `text_hash` of the text the edit began from (`base_text`, if given, is that text). When the
    file's text differs from it (and from `text`), nothing is written: the result is not saved and carries a
    `conflict` and a problem saying so. None saves whatever the file holds.
    """
    path = Path(path)
    try:
        codebook = parse_codebook(text, source=str(path))
    except CodebookError as exc:
        draft = draft_path(path)
        write_atomically(draft, text.encode("utf-8"))
        return SaveResult(False, draft, problems=exc.problems)
    with locked(path):
        theirs = current_text(path)
        if expected is not None and text_hash(theirs) != expected and theirs != text:
            return _conflict(path, text, theirs, base_text)
        previous = keep_version(path) if path.exists() else None
        write_atomically(path, text.encode("utf-8"))
        draft_path(path).unlink(missing_ok=True)
    return SaveResult(True, path, codebook, previous)


def _conflict(path: Path, yours: str, theirs: str, base: str | None) -> SaveResult:
    problem = Problem(str(path), "not saved: someone else saved this codebook since your edit began",
                      hint="compare your text with theirs, then take theirs or save yours over it")
    return SaveResult(False, path, problems=[problem], conflict=Conflict(yours, theirs, base))


def keep_version(path: str | Path) -> Version:
    """Copy the file's current text into the history folder (once per distinct content in a row)."""
    path = Path(path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:12]
    latest = next(iter(list_versions(path)), None)
    if latest is not None and latest.content_hash == digest:
        return latest  # saved twice without an edit in between: one copy is enough
    now = datetime.now(UTC)
    target = history_folder(path) / f"{path.stem}-{now.strftime(TIME_FORMAT)}-{digest}.yaml"
    write_atomically(target, data)
    return Version(target, now, digest)


def list_versions(path: str | Path) -> list[Version]:
    """Earlier versions of the codebook at `path`, newest first."""
    path = Path(path)
    folder = history_folder(path)
    versions = []
    for candidate in folder.glob(f"{path.stem}-*.yaml") if folder.is_dir() else ():
        match = _VERSION_NAME.match(candidate.name)
        if match and match["stem"] == path.stem:
            saved_at = datetime.strptime(match["time"], TIME_FORMAT).replace(tzinfo=UTC)
            versions.append(Version(candidate, saved_at, match["hash"]))
    return sorted(versions, key=lambda v: v.saved_at, reverse=True)


def restore_version(path: str | Path, version: Version, *, expected: str | None = None,
                    base_text: str | None = None) -> SaveResult:
    """Make an earlier version active again (the text it replaces goes to history, like any save; `expected`
    and `base_text` as for save_codebook)."""
    return save_codebook(path, version.text(), expected=expected, base_text=base_text)
