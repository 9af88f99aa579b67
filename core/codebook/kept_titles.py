"""The validated job-title lexicon kept on this machine, so that loading a codebook reads its entries back
instead of validating the same 4,000 lines of YAML again (25 ms of the 0.25 s `themescope validate` may take).

    titles = load_job_titles("config/job_titles.yaml", ["it_software", "education", "other"])

The entries are kept in the lexicon cache folder (`core.files.lexicon_cache_folder`) under a key made of the
file's text, the codebook's occupation group ids and the code that validates them (this module, `titles` and the
tokenizer), so an edit of any of them validates the file afresh: what is read back is what `parse_job_titles`
gives for the same text. Only a lexicon without problems is kept; a file with problems is reported as it always
is. A kept file that is not as written (cut short, changed) is discarded and rebuilt; a cache folder that cannot
be written only costs the time.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from core.codebook import titles
from core.codebook.titles import MAX_TITLES_BYTES, JobTitles, file_bytes, parse_job_titles, utf8_text
from core.files import lexicon_cache_folder, write_atomically
from core.ingest import text as tokenizer

KEPT_LEXICONS = 8  # the most recently validated lexicons kept (each ~0.2 MB); an older one is validated again
_CODE = (Path(__file__), Path(titles.__file__), Path(tokenizer.__file__))  # what decides the entries


def load_job_titles(path: str | Path, group_ids: list[str]) -> JobTitles:
    """Read and validate a job-title file against the codebook's occupation group ids (the entries kept from
    the last validation of the same text when there are any); raises CodebookError naming every problem
    (file:line and a hint)."""
    path = Path(path)
    raw = file_bytes(path, what="the job titles", hint="check settings.occupation.titles")
    text = utf8_text(raw, str(path), limit=MAX_TITLES_BYTES, what="job titles")
    key = _key(text, group_ids)
    entries = _kept_entries(key) if key else None
    if entries is not None:
        return JobTitles(str(path), hashlib.sha256(text.encode()).hexdigest(), entries)
    validated = parse_job_titles(text, group_ids, source=str(path))
    if key:
        _keep(key, validated.entries)
    return validated


def _key(text: str, group_ids: list[str]) -> str | None:
    """What the entries depend on, hashed; None when the code cannot be read (installed without its sources):
    without it an edit of the rules could go unnoticed, so nothing is kept."""
    try:
        code = hashlib.sha256(b"".join(part.read_bytes() for part in _CODE)).hexdigest()
    except OSError:
        return None
    return hashlib.sha256("\0".join([code, *group_ids, "", text]).encode()).hexdigest()


def _kept_entries(key: str) -> tuple[tuple[str, str, int], ...] | None:
    """The kept entries for `key`; None when there are none, they are another key's or not as written."""
    try:
        header, _, payload = _kept_path(key).read_bytes().partition(b"\n")
    except OSError:
        return None
    if header != f"{key} {hashlib.sha256(payload).hexdigest()}".encode():
        return None
    try:
        return tuple((group, phrase, line) for group, phrase, line in json.loads(payload))
    except (ValueError, TypeError):  # not JSON, or entries not of three parts: rebuilt rather than trusted
        return None


def _keep(key: str, entries: tuple[tuple[str, str, int], ...]) -> None:
    """Keep the entries for the next load, as one file: the key and the payload's checksum, then the payload.
    The oldest files beyond KEPT_LEXICONS go, so editing a lexicon all day leaves no trail of old ones."""
    payload = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode()
    with contextlib.suppress(OSError):
        write_atomically(_kept_path(key), f"{key} {hashlib.sha256(payload).hexdigest()}\n".encode() + payload)
        kept = sorted(lexicon_cache_folder().glob("job-titles-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEPT_LEXICONS:]:
            old.unlink(missing_ok=True)


def _kept_path(key: str) -> Path:
    return lexicon_cache_folder() / f"job-titles-{key[:32]}.json"
