"""The on-disk cache: content fingerprints, shards and results.

Keys are content hashes: of the data files (memoised by path, size and modification time so unchanged files
are not read again), of the codebook text and of the engine's own source code. A changed file, codebook or
engine version gives a new key; nothing is ever served stale.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.engine.corpus import Shard
from core.engine.results import HIT_COLUMNS
from core.errors import CacheError
from core.files import write_atomically
from core.ingest.loaders import LoadReport

ENV_CACHE_DIR = "THEMESCOPE_CACHE"


class DamagedCache(Exception):
    """A cache entry that cannot be read as written (truncated, junk, missing parts): it is discarded and
    rebuilt, with a one-line warning in the load report, never a traceback."""
RESULT_TABLES = ("transcripts", "themes", "hits", "cancelled")  # the tables of results.Analysis
# The layout of cached results, part of their key and written in their info.json. Raise it whenever the tables
# gain or change columns (2: every hit carries its passage and turn bounds), so older entries are computed
# again, never read as if they had the new columns.
RESULTS_FORMAT = 2


def default_cache_dir() -> Path:
    return Path(os.environ.get(ENV_CACHE_DIR, ".themescope-cache"))


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


class CacheUnwritable(Exception):
    """A shard folder that could not be written (a full disk, a folder made read-only during the run)."""

    def __init__(self, folder: Path, reason: str):
        super().__init__(f"{folder}: {reason}")
        self.folder, self.reason = folder, reason


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


# ---------------------------------------------------------------- shards
_ARRAYS = ("turn_doc", "turn_number", "turn_role", "turn_start", "turn_end", "turn_token_start",
           "token_word", "token_start")


def save_shard(shard: Shard, folder: Path, number: int, *, utf8: bytes | None = None) -> None:
    """Arrays and texts in one array bundle (texts as one UTF-8 buffer: reading it back is one decode and a
    slice per transcript), ids and attributes in a .parquet, and the size and sha256 of both in a .sums file
    (checked when the shard is read). `utf8`: that buffer, when the caller has it."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {name: getattr(shard, name) for name in _ARRAYS}
    text = utf8 if utf8 is not None else "".join(shard.texts).encode("utf-8", errors="surrogatepass")
    vocab = "\n".join(shard.vocab).encode("utf-8", errors="surrogatepass")
    sums = {"arrays": write_arrays(_shard_file(folder, number, "arrays"),
                                   vocab=np.frombuffer(vocab, dtype=np.uint8),
                                   text=np.frombuffer(text, dtype=np.uint8),
                                   text_length=np.array([len(t) for t in shard.texts]), **arrays)}
    table = pa.table({"id": shard.ids, "source": shard.sources,
                      "attributes": [json.dumps(a, default=str) if a else "{}" for a in shard.attributes]})
    sums["parquet"] = _write_checked(_shard_file(folder, number, "parquet"), _parquet_bytes(table))
    _shard_file(folder, number, "sums").write_text(json.dumps(sums))


def _shard_file(folder: Path, number: int, kind: str) -> Path:
    return folder / f"shard-{number:05d}.{kind}"


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    # no column statistics: the cache is always read whole, and min/max of 3 million strings took 0.15 s
    pq.write_table(table, sink, write_statistics=False)
    return sink.getvalue().to_pybytes()


def _write_checked(path: Path, data: bytes) -> list:
    """Write `data` and return its [size, sha256], the checksum a reader verifies."""
    path.write_bytes(data)
    return [len(data), hashlib.sha256(data).hexdigest()]


def verify(path: Path, expected) -> None:
    """ValueError unless the file has the [size, sha256] it was written with. Hashed once per process for
    each `fingerprint` of the file: a file whose inode, size, modification and change times are those it had
    when its bytes were hashed has not been written since (any write moves the change time, which no program
    can set back), so a dashboard's workers do not hash every shard again for every preview."""
    if not (isinstance(expected, list) and len(expected) == 2):
        raise ValueError(f"{path.name}: no checksum recorded")
    mark = fingerprint(path)
    if mark is None:
        raise ValueError(f"{path.name}: cannot be read")
    _verified_once(str(path), mark, expected[0], expected[1])


@lru_cache(maxsize=1 << 14)  # a few hundred bytes a file: a 1M-transcript cache has ~2,000 shard files
def _verified_once(path_name: str, mark: tuple, size: int, sha256: str) -> None:
    """`verify`'s check, remembered only when it passes (lru_cache keeps no exceptions)."""
    path = Path(path_name)
    expected = [size, sha256]
    if path.stat().st_size != expected[0]:
        raise ValueError(f"{path.name}: {path.stat().st_size:,} bytes, written with {expected[0]:,}")
    with path.open("rb") as handle:
        if hashlib.file_digest(handle, "sha256").hexdigest() != expected[1]:
            raise ValueError(f"{path.name}: its bytes changed since it was written (checksum)")


def shard_sums(folder: Path, number: int) -> dict:
    sums = json.loads(_shard_file(folder, number, "sums").read_text())
    if not isinstance(sums, dict):
        raise ValueError("shard checksums are not a table")
    return sums


def load_shard(folder: Path, number: int) -> Shard:
    """A shard as `save_shard` wrote it; DamagedCache when its files are not what was written."""
    try:
        sums = shard_sums(folder, number)
        for kind in ("arrays", "parquet"):
            verify(_shard_file(folder, number, kind), sums.get(kind))
        arrays = read_arrays(_shard_file(folder, number, "arrays"))
        fields = {name: arrays[name] for name in _ARRAYS}
        vocab = arrays["vocab"].tobytes().decode("utf-8", errors="surrogatepass").split("\n")
        table = pq.read_table(_shard_file(folder, number, "parquet")).to_pydict()
        shard = Shard(ids=table["id"], sources=table["source"], texts=ShardTexts(arrays),
                      attributes=[json.loads(a) for a in table["attributes"]], vocab=vocab, **fields)
    except (OSError, ValueError, KeyError, TypeError, UnicodeError, pa.ArrowException) as error:
        raise DamagedCache(f"shard {number} in {folder}: {type(error).__name__}: {error}") from None
    if not _consistent(shard):
        raise DamagedCache(f"shard {number} in {folder}: its arrays do not fit together")
    return shard


def _consistent(shard: Shard) -> bool:
    """The cheap checks that catch a shard whose parts do not belong together."""
    n_turns, n_tokens = len(shard.turn_doc), len(shard.token_word)
    return (len(shard.texts) == len(shard.ids) == len(shard.attributes) == len(shard.sources)
            and all(len(getattr(shard, name)) == n_turns for name in ("turn_number", "turn_role", "turn_start",
                                                                       "turn_end"))
            and len(shard.turn_token_start) == n_turns + 1 and len(shard.token_start) == n_tokens
            and (n_tokens == 0 or (int(shard.turn_token_start[-1]) == n_tokens
                                   and int(shard.token_word.min()) >= 0
                                   and int(shard.token_word.max()) < len(shard.vocab)))
            and (n_turns == 0 or (int(shard.turn_doc.min()) >= 0 and int(shard.turn_doc.max()) < len(shard.ids))))


class ShardTexts(Sequence[str]):
    """A shard's texts, each decoded from the shard's UTF-8 buffer (mapped, not read) when first asked for.

    Scoring an edited theme reads the texts of the transcripts it finds hits in, and a page the few it
    shows; decoding a whole shard cost more than scoring it (at 80,000 transcripts, 7 s of a preview's 9 s
    of loading). Each text is decoded once per object (the shard's `text_length`, in code points, gives each
    transcript's bytes by the positions of the bytes that start a code point)."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        utf8, lengths = arrays["text"], arrays["text_length"]
        starts = np.concatenate([[0], np.cumsum(lengths)])  # in code points
        continuation = np.flatnonzero((utf8 & 0xC0) == 0x80)  # few: most text is ASCII
        # code point c starts at byte c + (continuation bytes of code points before c); the j-th continuation
        # byte, at byte p, belongs to code point p - j - 1
        before = np.searchsorted(continuation - np.arange(len(continuation)), starts, side="right")
        offsets = starts + before
        if int(lengths.min(initial=0)) < 0 or int(offsets[-1]) != len(utf8):
            raise ValueError("the text lengths do not add up to the shard's text")
        self._bytes = utf8
        self._offsets = offsets.tolist()
        self._decoded: dict[int, str] = {}  # a dict's item assignment is atomic: threads may share a shard

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        try:  # scoring asks for a text once per hit: the decoded one, with no more work than a list's
            return self._decoded[index]  # type: ignore[index]
        except (KeyError, TypeError):  # not decoded yet, or a slice
            return self._decode(index)

    def _decode(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        number = range(len(self))[index]  # IndexError past the end, negative indices as a list's
        text = self._bytes[self._offsets[number]:self._offsets[number + 1]].tobytes().decode(
            "utf-8", errors="surrogatepass")
        self._decoded[number] = self._decoded[index] = text
        return text


# An array bundle: one JSON line naming each array's dtype, shape and byte offset, then the arrays' bytes.
# Unlike .npz (a zip) it needs no checksum pass on writing, and a reader maps only the arrays it wants.
_BUNDLE_MAGIC = b"themescope-arrays-1 "


def write_arrays(path: Path, **arrays: np.ndarray) -> list:
    """Write an array bundle; returns its [size, sha256], hashed from the bytes as they are written."""
    header, offset = {}, 0
    for name, array in arrays.items():
        header[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
        offset += array.nbytes
    checksum = hashlib.sha256()
    first = _BUNDLE_MAGIC + json.dumps(header).encode() + b"\n"
    parts: list[bytes | memoryview] = [first, *(np.ascontiguousarray(a).data for a in arrays.values())]
    with path.open("wb") as handle:
        for part in parts:
            handle.write(part)
            checksum.update(part)
    return [len(first) + offset, checksum.hexdigest()]


def read_arrays(path: Path, names: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The arrays of a bundle (or only `names`), mapped read-only from the file rather than copied."""
    with path.open("rb") as handle:
        line = handle.readline()
    if not line.startswith(_BUNDLE_MAGIC):
        raise ValueError(f"{path}: not an array bundle")
    header = json.loads(line[len(_BUNDLE_MAGIC):])
    size = path.stat().st_size - len(line)
    for name, spec in header.items():
        end = spec["offset"] + int(np.prod(spec["shape"])) * np.dtype(spec["dtype"]).itemsize
        if end > size:
            raise ValueError(f"{path}: array {name} ends at byte {end:,}, past the end of the file ({size:,})")
    # plain arrays over the mapped bytes: indexing an np.memmap goes through Python code on every call
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=len(line)) if path.stat().st_size > len(line) \
        else np.zeros(0, dtype=np.uint8)
    out = {}
    for name, spec in header.items():
        if names is None or name in names:
            dtype, shape = np.dtype(spec["dtype"]), tuple(spec["shape"])
            count = int(np.prod(shape))
            out[name] = np.frombuffer(data, dtype=dtype, count=count, offset=spec["offset"]).reshape(shape) \
                if count else np.zeros(shape, dtype=dtype)
    return out


def finish_shards(folder: Path, count: int, problems: dict) -> None:
    """Mark a shard folder complete; an interrupted build has no marker and is rebuilt."""
    write_atomically(folder / "complete.json", json.dumps({"shards": count, "problems": problems}).encode())


def complete_shards(folder: Path) -> dict | None:
    """The marker of a complete shard folder ({"shards": n, "problems": {...}}), None when there is none
    or it is not what `finish_shards` writes."""
    try:
        marker = json.loads((folder / "complete.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or not isinstance(marker.get("shards"), int) or marker["shards"] < 0 \
            or not isinstance(marker.get("problems"), dict):
        return None
    return marker


def shards_intact(folder: Path, report: LoadReport) -> bool:
    """Whether a complete shard folder has every file, each header and footer readable and sized as
    written (a truncated or overwritten file fails). A damaged folder is removed, with a warning in
    `report`, so it is built again; False also when there is no complete folder."""
    if not (folder / "complete.json").exists():
        return False
    marker = complete_shards(folder)
    try:
        if marker is None:
            raise DamagedCache("its completion marker is not readable")
        for number in range(marker["shards"]):
            _check_shard_files(folder, number)
        return True
    except DamagedCache as damage:
        report.add(folder, f"damaged cache entry discarded and rebuilt ({damage})")
        shutil.rmtree(folder, ignore_errors=True)
        return False


def _check_shard_files(folder: Path, number: int) -> None:
    """Cheap checks only (this runs before every cached run): each file is there with the size it was written
    with and a readable header. Checksums are verified when a shard is read (`load_shard`, the store)."""
    try:
        sums = shard_sums(folder, number)
        for kind in ("arrays", "parquet"):
            size = _shard_file(folder, number, kind).stat().st_size
            if not isinstance(sums.get(kind), list) or sums[kind][0] != size:
                raise ValueError(f"{kind} file is {size:,} bytes, not as written")
        with _shard_file(folder, number, "arrays").open("rb") as handle:
            if not handle.readline().startswith(_BUNDLE_MAGIC):
                raise ValueError("not an array bundle")
        read_arrays(_shard_file(folder, number, "arrays"), ("turn_doc",))
        pq.read_metadata(_shard_file(folder, number, "parquet"))
    except (OSError, ValueError, KeyError, TypeError, IndexError, pa.ArrowException) as error:
        raise DamagedCache(f"shard {number}: {type(error).__name__}: {error}") from None


# ---------------------------------------------------------------- results
def save_results(folder: Path, tables: dict[str, pd.DataFrame], info: dict, report: LoadReport) -> None:
    """Keep a run's tables, with the size and sha256 of each in info.json; a cache folder that cannot be
    written (read-only, full) is a warning in `report`: the results were computed and are returned all the same."""
    staging = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
        sums = {name: _write_checked(staging / f"{name}.parquet",
                                     _parquet_bytes(pa.Table.from_pandas(tables[name], preserve_index=False)))
                for name in RESULT_TABLES}
        (staging / "info.json").write_text(json.dumps({**info, "format": RESULTS_FORMAT, "tables": sums}, default=str))
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)
    except OSError as error:
        report.add(folder, f"results not kept in the cache ({error.strerror or error})",
                   hint="free some space or pass --cache-dir with a writable folder")
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def load_results(folder: Path, report: LoadReport) -> tuple[dict[str, pd.DataFrame], dict] | None:
    """A run's tables and info, None when they are not cached; a damaged entry (unreadable, or a table whose
    bytes are not those written) is removed, with a warning in `report`, and None returned so the results are
    computed again."""
    if not (folder / "info.json").exists():
        return None
    try:
        info = json.loads((folder / "info.json").read_text())
        _check_info(info)
        tables = {name: _read_checked(folder / f"{name}.parquet", info["tables"][name]) for name in RESULT_TABLES}
        _check_hit_columns(tables)
        return tables, info
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        report.add(folder, f"damaged cache entry discarded and rebuilt ({type(error).__name__}: {error})")
        shutil.rmtree(folder, ignore_errors=True)
        return None


STREAMED_INFO = "streamed.json"  # beside a streamed run's parts/ in its results folder, written last


def save_streamed(folder: Path, transcripts: pd.DataFrame, info: dict, report: LoadReport) -> None:
    """Keep a streamed run: its parts are already in folder/parts; the transcripts table (with the metadata
    merged) and the info (load report, codebook, batches) go beside them, info last, so an interrupted save
    is never read as complete."""
    try:
        sums = _write_checked(folder / "transcripts.parquet",
                              _parquet_bytes(pa.Table.from_pandas(transcripts, preserve_index=False)))
        write_atomically(folder / STREAMED_INFO, json.dumps(
            {**info, "format": RESULTS_FORMAT, "tables": {"transcripts": sums}}, default=str).encode())
    except OSError as error:
        report.add(folder, f"results not kept in the cache ({error.strerror or error})",
                   hint="free some space or pass --cache-dir with a writable folder")


def load_streamed(folder: Path, report: LoadReport) -> tuple[pd.DataFrame, dict] | None:
    """A kept streamed run's transcripts and info, None when there is none; a damaged one (its transcripts
    not as written, or parts whose manifest does not match) is removed with a warning, and None returned."""
    if not (folder / STREAMED_INFO).exists():
        return None
    from core.engine.parts import read_manifest

    try:
        info = json.loads((folder / STREAMED_INFO).read_text())
        _check_info(info)
        manifest = read_manifest(str(folder / "parts"))
        if manifest is None or manifest.get("batches") != info.get("batches") \
                or manifest.get("codebook") != info.get("codebook"):
            raise ValueError("its parts are incomplete or from another run")
        return _read_checked(folder / "transcripts.parquet", info["tables"]["transcripts"]), info
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        report.add(folder, f"damaged cache entry discarded and rebuilt ({type(error).__name__}: {error})")
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _read_checked(path: Path, expected) -> pd.DataFrame:
    """A table read from the very bytes whose checksum was verified (no second read that could differ)."""
    data = path.read_bytes()
    if not (isinstance(expected, list) and len(expected) == 2) or len(data) != expected[0] \
            or hashlib.sha256(data).hexdigest() != expected[1]:
        raise ValueError(f"{path.name}: its bytes are not those written (checksum)")
    return pq.read_table(pa.BufferReader(data)).to_pandas()


def _check_hit_columns(tables: dict[str, pd.DataFrame]) -> None:
    lacking = [c for c in HIT_COLUMNS if c not in tables["hits"] or c not in tables["cancelled"]]
    if lacking:
        raise ValueError(f"the hits tables lack {', '.join(lacking)}")


def _check_info(info) -> None:
    loaded, problems = info["report"]["loaded"], info["report"]["problems"]
    if not isinstance(loaded, dict) or not isinstance(problems, list) or not all(
            isinstance(p, dict) and {"file", "message"} <= p.keys() for p in problems):
        raise ValueError("info.json is not a load report")
    if not isinstance(info["tables"], dict):
        raise ValueError("info.json has no table checksums")
    if info.get("format") != RESULTS_FORMAT:
        raise ValueError(f"results of format {info.get('format', 1)}, not {RESULTS_FORMAT}")


_TURN_ARRAYS = ("turn_doc", "turn_number", "turn_role", "turn_start", "turn_end")


class TranscriptStore:
    """The text and turns of every transcript of an analysis, read lazily from its shard folder.

    store = TranscriptStore(folder)
    store.text("work_0188")[:10], store.turns("work_0188").head()
    """

    def __init__(self, folder: Path, *, owner: tempfile.TemporaryDirectory | None = None):
        self.folder = Path(folder)
        self._owner = owner  # a temporary folder lives as long as the store that reads it
        self._where: dict[str, tuple[int, int]] | None = None
        self._shard_cache: dict[int, tuple[Sequence[str], dict]] = {}

    @classmethod
    def temporary(cls) -> TranscriptStore:
        """A store in a new temporary folder (an uncached run), removed when the store is."""
        owner = tempfile.TemporaryDirectory(prefix="themescope-")
        return cls(Path(owner.name) / "corpus", owner=owner)

    def _index(self) -> dict[str, tuple[int, int]]:
        if self._where is None:
            marker = complete_shards(self.folder) or {"shards": 0}
            self._where = {}
            for number in range(marker["shards"]):
                ids = pq.read_table(self._verified(number, "parquet"), columns=["id"])["id"].to_pylist()
                self._where.update({transcript_id: (number, row) for row, transcript_id in enumerate(ids)})
        return self._where

    def __contains__(self, transcript_id: str) -> bool:
        return transcript_id in self._index()

    def ids(self) -> list[str]:
        """Every transcript id, in shard order."""
        return list(self._index())

    def _shard(self, number: int) -> tuple[Sequence[str], dict]:
        if number not in self._shard_cache:
            if len(self._shard_cache) >= 4:  # keep memory flat on very large corpora
                self._shard_cache.pop(next(iter(self._shard_cache)))
            arrays = self._verified_arrays(number)
            texts = ShardTexts(arrays)  # a page shows a few of them: only those are decoded
            turns = {name: np.array(arrays[name]) for name in _TURN_ARRAYS}
            self._shard_cache[number] = (texts, turns)
        return self._shard_cache[number]

    def _verified_arrays(self, number: int) -> dict[str, np.ndarray]:
        return read_arrays(self._verified(number, "arrays"), ("text", "text_length", *_TURN_ARRAYS))

    def _verified(self, number: int, kind: str) -> Path:
        """A shard file, once its checksum is verified. A damaged shard loses its folder's completion
        marker, so the next run builds the folder again, and is a CacheError for this one."""
        path = _shard_file(self.folder, number, kind)
        try:
            verify(path, shard_sums(self.folder, number).get(kind))
            return path
        except (OSError, ValueError, KeyError, TypeError) as error:
            (self.folder / "complete.json").unlink(missing_ok=True)
            raise CacheError(f"{path}: the cached texts are damaged ({error})",
                             hint="run again (reload the page): the cache entry is rebuilt from the data files") \
                from None

    @property
    def shard_count(self) -> int:
        return (complete_shards(self.folder) or {"shards": 0})["shards"]

    def shard_tokens(self, number: int) -> tuple[list[str], dict[str, np.ndarray]]:
        """The ids of a shard's transcripts and its vocabulary, turn and token arrays (checksums verified)."""
        ids = pq.read_table(self._verified(number, "parquet"), columns=["id"])["id"].to_pylist()
        return ids, read_arrays(self._verified(number, "arrays"),
                                ("vocab", "token_word", "token_start", "turn_token_start", *_TURN_ARRAYS))

    def text(self, transcript_id: str) -> str:
        """The repaired text of a transcript (KeyError when it is not in this analysis)."""
        number, row = self._index()[transcript_id]
        return self._shard(number)[0][row]

    def texts(self, transcript_ids: list[str]) -> list[str]:
        """The texts of many transcripts, each shard read once whatever order the ids come in."""
        where = [self._index()[transcript_id] for transcript_id in transcript_ids]
        by_shard: dict[int, list[int]] = {}
        for position, (number, _) in enumerate(where):
            by_shard.setdefault(number, []).append(position)
        out = [""] * len(where)
        for number in sorted(by_shard):
            texts = self._shard(number)[0]
            for position in by_shard[number]:
                out[position] = texts[where[position][1]]
        return out

    def turns(self, transcript_id: str) -> pd.DataFrame:
        """turn, speaker (interviewer/participant), start, end of every turn of a transcript."""
        number, row = self._index()[transcript_id]
        turns = self._shard(number)[1]
        mine = turns["turn_doc"] == row
        roles = np.where(turns["turn_role"][mine] == 1, "participant", "interviewer")
        return pd.DataFrame({"turn": turns["turn_number"][mine], "speaker": roles,
                             "start": turns["turn_start"][mine], "end": turns["turn_end"][mine]})
