"""Fetching the public Anthropic Interviewer data set (CC-BY) into a folder, trusting the server as little as
possible.

The three CSVs come from the data set's own location on Hugging Face. Each file is streamed into a temporary
file beside its target and renamed into place only once it is complete and verified:

- only http:// and https:// addresses, and redirects to them, are followed;
- at most `max_bytes` per file (announced or sent), each read waits at most `timeout` seconds and the whole
  file at most `deadline` seconds, so a server that trickles a byte just inside each read time-out still ends;
- the byte count must match the Content-Length the server announced;
- the sha256 must match the one the server published: Hugging Face puts an LFS file's sha256 in the
  `X-Linked-Etag` of its redirect to the CDN (the CDN's own ETag is another hash, so a plain `ETag` is only
  trusted when nothing redirected); an ETag that is not 64 hex digits (a git sha1, an md5) is no checksum;
- the body must be a CSV whose header names `transcript_id` and `text`, never a web page (a login or error
  page answered with 200).

Any failure raises DownloadError and leaves neither a partial file nor a damaged target behind, so the next
run downloads that file again.

    download_dataset("public-data")   # -> [Path("public-data/workforce_transcripts.csv"), ...]
"""
from __future__ import annotations

import csv
import hashlib
import http.client
import os
import re
import ssl
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from core.errors import DownloadError, OutputError
from core.ingest.guarded_http import CheckedRedirects, Watchdog, guarded_opener, require_web_scheme

DATASET_URL = "https://huggingface.co/datasets/Anthropic/AnthropicInterviewer/resolve/main/interview_transcripts"
FILES = ("workforce_transcripts.csv", "creatives_transcripts.csv", "scientists_transcripts.csv")
ENV_URL = "THEMESCOPE_DATASET_URL"

MAX_DOWNLOAD_BYTES = 1 << 30       # per file: the published CSVs are 1-10 MB, so this only stops a runaway server
FILE_DEADLINE_SECONDS = 30 * 60    # per file: 10 MB in 30 minutes is under 6 kB/s, slower than any real link
REQUIRED_COLUMNS = ("transcript_id", "text")
_CHUNK = 1 << 16
_HEADER_PEEK = 1 << 16             # bytes read to find the CSV header line
_WEB_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_TRY_ELSEWHERE = "download the three CSVs elsewhere into a folder and pass it with --data"


@dataclass(frozen=True)
class Limits:
    """How much one file may cost: bytes, seconds per read, seconds in all."""

    max_bytes: int = MAX_DOWNLOAD_BYTES
    read_timeout: float = 30
    deadline: float = FILE_DEADLINE_SECONDS


@dataclass(frozen=True)
class _Received:
    """What came back for one file, before it is judged."""

    size: int
    announced: int | None
    sha256: str
    published_sha256: str | None


def download_dataset(folder: str | Path, *, base_url: str | None = None, timeout: float = 30,
                     force: bool = False, on_file: Callable[[str, int], None] | None = None,
                     max_bytes: int = MAX_DOWNLOAD_BYTES, deadline: float = FILE_DEADLINE_SECONDS) -> list[Path]:
    """Download the three CSVs into `folder` and return their paths; a complete CSV already there is kept
    unless `force`, a damaged one (empty, a web page, no CSV header) is fetched again.

    `timeout` bounds each read, `deadline` each whole file (seconds), `max_bytes` each file's size.
    Raises DownloadError with a plain explanation when the machine is offline or the server refuses or
    misbehaves, and OutputError when `folder` cannot be written.
    """
    base_url = (base_url or os.environ.get(ENV_URL) or DATASET_URL).rstrip("/")
    require_web_scheme(base_url)
    folder = _make_folder(Path(folder))
    limits = Limits(max_bytes=max_bytes, read_timeout=timeout, deadline=deadline)
    written = []
    for name in FILES:
        target = folder / name
        complete = _keep_if_complete(target)
        if force or not complete:
            size = _fetch(f"{base_url}/{name}", target, limits)
            if on_file:
                on_file(name, size)
        written.append(target)
    return written


def sha256_in_etag(value: str | None) -> str | None:
    """The sha256 an ETag-style header carries, or None when it holds anything else (a git sha1, an md5).

    >>> sha256_in_etag('W/"' + "AB" * 32 + '"') == "ab" * 32
    True
    >>> sha256_in_etag('"7b2e21e16d8803ced5e632e2f654200194bd21fc"') is None
    True
    """
    candidate = (value or "").strip().removeprefix("W/").strip('"').lower()
    return candidate if _SHA256.fullmatch(candidate) else None


def looks_complete(path: Path) -> bool:
    """Whether a file already at `path` can be kept: non-empty and starting with the data set's CSV header."""
    return path.is_file() and path.stat().st_size > 0 and _header_problem(path) is None


def _keep_if_complete(target: Path) -> bool:
    """Whether `target` is a complete CSV; a damaged one is deleted, so a failed download cannot leave it."""
    if looks_complete(target):
        return True
    if target.is_file():
        target.unlink()
    return False


def _make_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder for the data set ({exc.strerror or exc})",
                          hint="choose a folder you can write to") from None
    return folder


# ---------------------------------------------------------------- one file
def _fetch(url: str, target: Path, limits: Limits) -> int:
    """Stream `url` into a temporary file beside `target` and rename it into place once verified."""
    temporary = _temporary_file(target)
    try:
        with open(temporary, "wb") as out, Watchdog(limits.deadline) as watchdog:
            received = _receive(url, out, limits, watchdog)
        _verify(url, temporary, received)
        _put_in_place(temporary, target)
        return received.size
    finally:
        temporary.unlink(missing_ok=True)


def _put_in_place(temporary: Path, target: Path) -> None:
    try:
        os.replace(temporary, target)
    except OSError as exc:  # e.g. a folder of that name is in the way
        raise OutputError(f"{target}: cannot put the downloaded file here ({exc.strerror or exc})",
                          hint="move what is at that path away, or choose another folder with --out") from None


def _temporary_file(target: Path) -> Path:
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise OutputError(f"{target.parent}: cannot write the data set here ({exc.strerror or exc})",
                          hint="choose a folder you can write to") from None
    os.close(fd)
    return Path(name)


def _receive(url: str, out: IO[bytes], limits: Limits, watchdog: Watchdog) -> _Received:
    redirects = CheckedRedirects()
    try:
        with guarded_opener(redirects, watchdog).open(url, timeout=limits.read_timeout) as response:
            _refuse_web_page_type(url, response.headers.get_content_type())
            announced = _announced_size(url, response, limits.max_bytes)
            size, sha256 = _stream(url, response, out, limits.max_bytes)
            published = _published_sha256(response.headers, redirects)
    except (OSError, http.client.HTTPException) as exc:
        raise _deadline_error(url, limits) if watchdog.fired else _network_error(url, exc, limits) from None
    if watchdog.fired:  # a close-delimited body cut by the watchdog looks like a normal end
        raise _deadline_error(url, limits)
    return _Received(size, announced, sha256, published)


def _stream(url: str, response: Any, out: IO[bytes], max_bytes: int) -> tuple[int, str]:
    # read1: one socket read per call, so a trickling server cannot hold a call for longer than one time-out
    digest, size = hashlib.sha256(), 0
    while chunk := response.read1(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise DownloadError(f"{url} sent more than {max_bytes:,} bytes, the most allowed for one file; stopped",
                                hint="check that --url points at the data set's CSVs (a few MB each)")
        digest.update(chunk)
        _write(out, chunk)
    return size, digest.hexdigest()


def _write(out: IO[bytes], chunk: bytes) -> None:
    try:
        out.write(chunk)
    except OSError as exc:  # a full disk is the user's to fix, not the server's fault
        raise OutputError(f"{out.name}: cannot write the download ({exc.strerror or exc})",
                          hint="free some disk space or choose another folder with --out") from None


def _refuse_web_page_type(url: str, content_type: str) -> None:
    if content_type in _WEB_PAGE_TYPES:
        raise _web_page_error(url, content_type)


def _announced_size(url: str, response: Any, max_bytes: int) -> int | None:
    announced = response.length  # http.client's parse of Content-Length (None when absent or invalid)
    if announced is not None and announced > max_bytes:
        raise DownloadError(f"{url} announces {announced:,} bytes, more than the {max_bytes:,} allowed for one file",
                            hint="check that --url points at the data set's CSVs (a few MB each)")
    return announced


def _published_sha256(headers: Any, redirects: CheckedRedirects) -> str | None:
    # Hugging Face's X-Linked-Etag (on its redirect to the CDN, or on a direct answer) holds an LFS file's
    # sha256. After a redirect the CDN's own ETag is a different hash of the same length, so a plain ETag
    # only counts when the server we asked answered itself.
    linked = sha256_in_etag(redirects.linked_etag or headers.get("X-Linked-Etag"))
    if linked or redirects.followed:
        return linked
    return sha256_in_etag(headers.get("ETag"))


def _verify(url: str, path: Path, received: _Received) -> None:
    """Judge a complete-looking download; raising leaves it unrenamed (and so deleted)."""
    if received.size == 0:
        raise DownloadError(f"{url} answered with an empty file", hint="try again later")
    if received.announced is not None and received.size != received.announced:
        raise DownloadError(f"{url} ended after {received.size:,} of the {received.announced:,} bytes it "
                            "announced; the partial file was not kept",
                            hint="try again (the connection broke or the server is overloaded)")
    if received.published_sha256 and received.sha256 != received.published_sha256:
        raise DownloadError(f"{url}: the file's sha256 {received.sha256} differs from the "
                            f"{received.published_sha256} the server published; the file was not kept",
                            hint="try again; if it persists something on the way (a proxy?) alters the file")
    problem = _header_problem(path)
    if problem == "web page":
        raise _web_page_error(url, "an HTML body")
    if problem:
        raise DownloadError(f"{url} did not send the data set's CSV: {problem}",
                            hint="check that --url points at the folder holding the three CSVs")


def _header_problem(path: Path) -> str | None:
    """None when `path` starts with a CSV header naming the required columns, else what is wrong."""
    with open(path, "rb") as file:
        start = file.read(_HEADER_PEEK).decode("utf-8-sig", errors="replace")
    if start.lstrip().lower().startswith(("<!doctype", "<html")):
        return "web page"
    first_line = start.split("\n", 1)[0].rstrip("\r")
    columns = {column.strip() for column in next(csv.reader([first_line]), [])}
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        return f"its first line {first_line[:80]!r} has no {' or '.join(missing)} column"
    return None


# ---------------------------------------------------------------- errors
def _web_page_error(url: str, what: str) -> DownloadError:
    return DownloadError(f"{url} answered with a web page ({what}), e.g. a login or error page, not a CSV",
                         hint="check --url (or " + ENV_URL + "); open the address in a browser to read the page")


def _deadline_error(url: str, limits: Limits) -> DownloadError:
    return DownloadError(f"{url} took longer than {limits.deadline:g} s for one file; stopped "
                         "(the server sends too slowly)", hint=f"try again later, or {_TRY_ELSEWHERE}")


# What went wrong on the wire, first match wins: RemoteDisconnected is also a ConnectionError and an
# HTTPException, IncompleteRead an HTTPException, and a socket time-out an OSError.
_WIRE_FAILURES: tuple[tuple[type[BaseException], str], ...] = (
    (http.client.RemoteDisconnected, "closed the connection without answering"),
    (http.client.IncompleteRead, "broke off in the middle of the file"),
    (http.client.HTTPException, "answered with something that is not valid HTTP ({name})"),
    (TimeoutError, "sent nothing for {timeout:g} s; stopped"),
    (ssl.SSLError, "the secure connection failed ({exc})"),
    (OSError, "the connection failed ({exc})"),
)


def _network_error(url: str, exc: BaseException, limits: Limits) -> DownloadError:
    if isinstance(exc, urllib.error.HTTPError):
        exc.close()  # the error page's connection
        if 300 <= exc.code < 400:  # urllib gives up on a redirect loop (or a redirect with no Location)
            return DownloadError(f"{url} redirected in a loop or nowhere (HTTP {exc.code})",
                                 hint=f"check --url (or {ENV_URL}); try again later")
        return DownloadError(f"{url} answered HTTP {exc.code} {exc.reason}; the data set may have moved",
                             hint=f"set {ENV_URL} (or --url) to its new location")
    if isinstance(exc, urllib.error.URLError):
        return DownloadError(f"cannot reach {url} ({exc.reason}). This machine looks offline",
                             hint=_TRY_ELSEWHERE)
    what = next(text for kind, text in _WIRE_FAILURES if isinstance(exc, kind))
    return DownloadError(f"{url}: the server " + what.format(name=type(exc).__name__, exc=exc,
                                                             timeout=limits.read_timeout),
                         hint=f"try again later, or {_TRY_ELSEWHERE}")
