"""What a cache key is made of: the engine's own code and the versions of the packages whose data decides what
matches, the contents of the data files (and of the speakers tables beside them), and a digest of the rest.

    key = digest(code_version(), [(str(file), hashes.of(file)) for file in files], options.__dict__)

File contents are hashed once per `fingerprint` (inode, size, modification and change times), the hashes
remembered in the cache folder; `Watch` notices a file that changed while a run read it. A changed file,
codebook or engine version gives a new key: nothing is ever served stale.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.engine.lexicon import LEXICON_PACKAGES, installed_versions
from core.files import write_atomically
from core.ingest.formats import SPEAKER_TABLES
from core.ingest.loaders import folder_inputs
from core.ingest.sources import is_url
from core.ingest.urls import url_fingerprint

# The packages whose code decides what is loaded, matched and scored. Views, sharing, the workbench and the CLI
# only read results, so editing them must not throw away a large corpus's cache.
ENGINE_PACKAGES = ("ingest", "codebook", "engine")
CORE_ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of every source file of the engine packages: results computed by other code are never reused."""
    return code_hash(CORE_ROOT, ENGINE_PACKAGES)


def code_hash(root: Path, packages: tuple[str, ...]) -> str:
    """sha256 over the path and bytes of every .py file under root/<package>, in a stable order: a module
    added, removed, renamed or edited gives another hash (no list of modules to keep up to date)."""
    digest = hashlib.sha256()
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# Packages whose data or algorithms decide what matches: a new dictionary (what a real word is), inflection
# table or similarity score changes results without a line of Themescope changing.
RESULT_PACKAGES = (*LEXICON_PACKAGES, "rapidfuzz")


@lru_cache(maxsize=1)
def package_versions() -> tuple[str, ...]:
    """The installed versions of RESULT_PACKAGES: results matched with other lexical data are never reused."""
    return installed_versions(RESULT_PACKAGES)


def with_speakers_tables(files: list[Path]) -> list[Path]:
    """The data files and the speakers tables beside them, which the transcripts next to them read for their
    speakers' roles: a folder lists its own with its files, a file given on its own does not."""
    beside = [folder / name for folder in dict.fromkeys(file.parent for file in files) for name in SPEAKER_TABLES
              if (folder / name).is_file()]
    return list(dict.fromkeys([*files, *beside]))


def inputs_stamp(paths: list[str], metadata: list[str] | None = None) -> str:
    """A digest of the `fingerprint` of every file a run on local `paths` (and `metadata`) reads, found by the
    loaders' own walk (`folder_inputs`: its depth, links and file types): it changes when one of them is
    edited (even to the same size within one mtime tick), added or removed; no file's bytes are read. A URL
    counts by `url_fingerprint` (each file's name, size and version, as its store lists them: the cache key's
    own check; one round trip, which the dashboard's check interval grows with).

        inputs_stamp(["data"])  # -> "5c1d0e..."; another value after `data/t1.txt` is edited
    """
    files: list[Path] = []
    for path in (Path(p) for p in paths if not is_url(p)):
        files += folder_inputs(path) if path.is_dir() else with_speakers_tables([path])
    files += (Path(p) for p in metadata or [] if not is_url(p))
    urls = [(url, url_fingerprint(url)) for url in [*paths, *(metadata or [])] if is_url(url)]
    return digest([(str(file), fingerprint(file)) for file in files], *urls)


def digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def fingerprint(file: Path) -> tuple[int, int, int, int] | None:
    """What changes whenever a file's bytes do: its size and modification time, and also the inode's change
    time (which, unlike the modification time, no program can set back) and the inode (a file replaced by a
    rename). None when the file cannot be looked at."""
    try:
        stat = file.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


class FileHashes:
    """sha256 of file contents, remembered by path and `fingerprint` in the cache folder."""

    MAX_ENTRIES = 20_000  # the oldest are forgotten past this: a memo only saves time

    def __init__(self, cache_dir: Path):
        self.path = cache_dir / "file-hashes.json"
        try:
            memo = json.loads(self.path.read_text())
        except (OSError, ValueError):
            memo = {}
        self.memo = memo if isinstance(memo, dict) and all(isinstance(v, str) for v in memo.values()) else {}
        self.changed = False

    def of(self, file: Path) -> str:
        """The file's content hash; for a file that cannot be read, a key naming why (the loader reports it
        and a later run, when it can be read, gets another key)."""
        mark = fingerprint(file)
        if mark is None:
            return f"unreadable:{file}"
        key = f"{file.resolve()}|" + "|".join(map(str, mark))
        if key not in self.memo:
            try:
                self.memo[key] = content_hash(file, mark[1])
            except OSError as error:
                return f"unreadable:{file}:{error.strerror}"
            self.changed = True
        return self.memo[key]

    def save(self) -> None:
        if self.changed:
            kept = dict(list(self.memo.items())[-self.MAX_ENTRIES:])
            with contextlib.suppress(OSError):  # a memo only saves time: the next run hashes the files again
                write_atomically(self.path, json.dumps(kept).encode())



@dataclass(frozen=True)
class FileStamps:
    """For a run without the cache: each file named by its `fingerprint` (those a `Watch` took, else taken now)
    rather than its content, so no file is read to hash it and the key still changes with every file that
    does (the dashboard's memos are keyed on it)."""

    marks: dict[str, tuple | None]

    def of(self, file: Path) -> str:
        return f"stamp:{self.marks[str(file)] if str(file) in self.marks else fingerprint(file)}"

    def save(self) -> None:
        """Nothing is remembered."""


class FilesChanged(Exception):
    """Data files changed while a run read them: what was read may mix old and new content."""

    def __init__(self, files: list[str]):
        super().__init__(", ".join(files))
        self.files = files


@dataclass(frozen=True)
class Watch:
    """The data files of a run and their fingerprints, taken before anything is hashed or read; `check`
    after reading raises FilesChanged when a file changed, appeared or went away in between."""

    marks: dict[str, tuple | None]

    @classmethod
    def of(cls, files: list[Path]) -> Watch:
        return cls({str(file): fingerprint(file) for file in files})

    def check(self, files: list[Path]) -> None:
        now = Watch.of(files).marks
        changed = sorted(name for name in self.marks.keys() | now.keys() if self.marks.get(name) != now.get(name))
        if changed:
            raise FilesChanged(changed)


HASH_PART_BYTES = 64 << 20  # files larger than this are hashed in parts, two at a time


def content_hash(file: Path, size: int) -> str:
    """sha256 of a file, or for a large one sha256 over the sha256 of its 64 MB parts, hashed from a memory
    map by two threads at once (hashlib lets go of the GIL): a 730 MB table takes 0.35 s instead of 0.6 s,
    and no shard can start before it is done."""
    if size <= HASH_PART_BYTES:
        with file.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    with file.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        try:
            with ThreadPoolExecutor(2) as pool:
                parts = list(pool.map(lambda start: hashlib.sha256(view[start:start + HASH_PART_BYTES]).digest(),
                                      range(0, len(view), HASH_PART_BYTES)))
        finally:
            view.release()
    return hashlib.sha256(b"".join(parts) + str(size).encode()).hexdigest()

