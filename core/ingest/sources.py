"""Finding and opening data files safely: folders are walked without recursion (a depth limit, links checked),
and compressed files (.gz, .bz2, .xz) are read through a cap on what they expand to.

    for file in folder_files(Path("data"), report): ...      # every file, in walk order
    with open_data(Path("t.csv.gz")) as stream: ...            # bytes, decompressed, capped
    with open_location("s3://bucket/t.csv") as stream: ...     # bytes of a local path or an fsspec URL

Every limit reached is a message in the `LoadReport`-like `report` (anything with `.add(file, message,
hint=)`), never an exception that stops the other files.
"""
from __future__ import annotations

import bz2
import errno
import gzip
import io
import lzma
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Protocol

MAX_FOLDER_DEPTH = 32  # deeper folders are a mistake (or a link trick); walking them cost a RecursionError
MAX_DECOMPRESSED_BYTES = 4 << 30  # a compressed file expanding past this is a bomb or needs unpacking by hand
Opener = Callable[..., Any]  # gzip.open, bz2.open, lzma.open: (file or path, mode) -> a binary stream
COMPRESSIONS: dict[str, Opener] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
# the first bytes of each format (bzip2's include its block magic, so a text starting "BZh" is still text)
MAGIC: dict[re.Pattern[bytes], Opener] = {
    re.compile(rb"\x1f\x8b\x08"): gzip.open, re.compile(rb"BZh[1-9]1AY&SY"): bz2.open,
    re.compile(rb"\xfd7zXZ\x00"): lzma.open}
HEAD_BYTES = 10
# Archives hold many files (folders, more archives, names that climb out with ../): reading them would
# repeat the folder walk's rules inside each format, so they are reported with a hint to unpack instead.
ARCHIVES = (".zip", ".tar", ".tgz", ".tbz", ".tbz2", ".txz", ".7z", ".rar", ".zst", ".lz4", ".z")


class Report(Protocol):
    def add(self, file: str | Path, message: str, *, line: int | None = None, hint: str | None = None) -> None:
        ...


class DecompressedTooLarge(Exception):
    """Reading a compressed file went past MAX_DECOMPRESSED_BYTES."""

    def __init__(self, file: Path, limit: int):
        super().__init__(f"{file}: decompresses to more than {limit:,} bytes")
        self.limit = limit


def data_suffix(file: Path) -> str:
    """The suffix that says how to read a file: `.csv` for t.csv and t.csv.gz alike (lower case)."""
    suffix = file.suffix.lower()
    return Path(file.stem).suffix.lower() if suffix in COMPRESSIONS else suffix


def is_compressed(file: Path) -> bool:
    """Compressed by its name, or by its first bytes (a download saved gzipped under a plain .csv name)."""
    return _decompressor(file) is not None


def is_archive(file: Path) -> bool:
    """An archive or compressed file by its name (asked of files no loader reads: notes.docx.gz, x.tar.gz)."""
    return file.suffix.lower() in (*ARCHIVES, *COMPRESSIONS)


def _decompressor(file: Path, head: bytes | None = None) -> Opener | None:
    opener = COMPRESSIONS.get(file.suffix.lower())
    if opener is not None:
        return opener
    if head is None:
        with open(file, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    return next((opener for magic, opener in MAGIC.items() if magic.match(head)), None)


def archive_problem(file: Path, report: Report) -> None:
    report.add(file, "compressed archive not read", hint="unpack it into the data folder (or give the "
               "file inside as --data); single .csv/.jsonl/.txt/.md files compressed with gzip, bzip2 or xz "
               "are read as they are")


# ---------------------------------------------------------------- walking a folder
def folder_files(root: Path, report: Report) -> Iterator[Path]:
    """Every file under `root` (sorted within each folder), walked with a stack instead of recursion.

    Folders past MAX_FOLDER_DEPTH are reported once each and not entered. A link is followed only when it
    stays inside `root`; a link leading outside it, a broken link and a link loop are reported and skipped.
    """
    top = Path(os.path.realpath(root))
    stack: list[tuple[Path, Path, int, frozenset[Path]]] = [(root, top, 0, frozenset([top]))]
    while stack:
        folder, real, depth, ancestors = stack.pop()
        folders = []
        for entry in _entries(folder, report):
            path = Path(entry.path)
            link = entry.is_symlink()
            target = _link_target(path, top, report) if link else None
            if link and target is None:
                continue
            if entry.is_file():
                yield path
            elif entry.is_dir():  # only a folder needs its real path: one per file slowed a large walk
                folders.append((path, target or real / entry.name))
        for path, target in reversed(folders):  # popped in name order
            if _enterable(path, target, depth + 1, ancestors, report):
                stack.append((path, target, depth + 1, ancestors | {target}))


def _entries(folder: Path, report: Report) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError as exc:
        report.add(folder, f"folder could not be read ({exc.strerror or exc}): skipped",
                   hint="make the folder readable (chmod +rx)")
        return []


def _enterable(path: Path, target: Path, depth: int, ancestors: frozenset[Path], report: Report) -> bool:
    if target in ancestors:
        report.add(path, "link loop (a link to a folder that contains it): not followed",
                   hint="remove the link")
        return False
    if depth > MAX_FOLDER_DEPTH:
        report.add(path, f"folder nested more than {MAX_FOLDER_DEPTH} levels deep: not read",
                   hint="move the transcripts higher up, or give this folder as its own --data")
        return False
    return True


def _link_target(path: Path, top: Path, report: Report) -> Path | None:
    """Where a link leads, if it works and stays inside the data folder `top`; else None, reported."""
    try:
        os.stat(path)
    except FileNotFoundError:
        report.add(path, f"broken link (to {os.readlink(path)}): skipped", hint="fix or remove the link")
        return None
    except OSError as exc:
        message = "link loop: skipped" if exc.errno == errno.ELOOP else f"link not usable ({exc.strerror})"
        report.add(path, message, hint="fix or remove the link")
        return None
    target = Path(os.path.realpath(path))
    if not target.is_relative_to(top):
        report.add(path, f"link to {target}, outside the data folder {top}: not read",
                   hint="copy it into the data folder, or give it as its own --data")
        return None
    return target


# ---------------------------------------------------------------- opening, decompressed and capped
def open_data(file: Path) -> BinaryIO:
    """The file's bytes: decompressed for .gz/.bz2/.xz, where reading past MAX_DECOMPRESSED_BYTES raises
    DecompressedTooLarge (read the limit when opening, so a test can lower it)."""
    handle = open(file, "rb")  # noqa: SIM115 (the caller closes what is returned)
    opener = _decompressor(file, handle.peek(HEAD_BYTES)[:HEAD_BYTES])
    if opener is None:
        return handle
    return io.BufferedReader(_Capped(opener(handle, "rb"), file, MAX_DECOMPRESSED_BYTES), 1 << 20)


class _Capped(io.RawIOBase):
    """A stream that stops with DecompressedTooLarge once more than `limit` bytes came out of `inner`."""

    def __init__(self, inner: BinaryIO, file: Path, limit: int):
        self.inner, self.file, self.limit, self.delivered = inner, file, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.inner.readinto(buffer)  # type: ignore[attr-defined]
        self.delivered += count
        if self.delivered > self.limit:
            raise DecompressedTooLarge(self.file, self.limit)
        return count

    def close(self) -> None:
        self.inner.close()
        super().close()


# ---------------------------------------------------------------- locations: local paths and fsspec URLs
class Url(str):
    """A URL where the loaders expect a Path: str() is the URL; name, stem and suffix as a path's."""

    @property
    def name(self) -> str:
        return self.rstrip("/").rsplit("/", 1)[-1]

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix


def is_url(path: str | Path) -> bool:
    """A location fsspec opens (s3://, gs://, memory://...); `file://` URLs are local paths."""
    return "://" in str(path) and not str(path).startswith("file://")


def local(path: str | Path) -> Path:
    return Path(str(path).removeprefix("file://"))


def open_location(location: str | Path) -> BinaryIO:
    """The bytes of a local path or an fsspec URL as a seekable binary stream (the caller closes it)."""
    if not is_url(location):
        return open(local(location), "rb")  # noqa: SIM115
    import fsspec  # installed with themescope[cluster]
    return fsspec.open(str(location), "rb").open()
