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
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.engine.corpus import Shard
from core.files import write_atomically
from core.ingest.loaders import LoadReport

ENV_CACHE_DIR = "THEMESCOPE_CACHE"


class DamagedCache(Exception):
    """A cache entry that cannot be read as written (truncated, junk, missing parts): it is discarded and
    rebuilt, with a one-line warning in the load report, never a traceback."""
RESULT_TABLES = ("transcripts", "themes", "hits", "cancelled")  # the tables of results.Analysis


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


class FileHashes:
    """sha256 of file contents, remembered by (path, size, mtime) in the cache folder."""

    def __init__(self, cache_dir: Path):
        self.path = cache_dir / "file-hashes.json"
        try:
            memo = json.loads(self.path.read_text())
        except (OSError, ValueError):
            memo = {}
        self.memo = memo if isinstance(memo, dict) and all(isinstance(v, str) for v in memo.values()) else {}
        self.changed = False

    def of(self, file: Path) -> str:
        stat = file.stat()
        key = f"{file.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        if key not in self.memo:
            self.memo[key] = content_hash(file, stat.st_size)
            self.changed = True
        return self.memo[key]

    def save(self) -> None:
        if self.changed:
            with contextlib.suppress(OSError):  # a memo only saves time: the next run hashes the files again
                write_atomically(self.path, json.dumps(self.memo).encode())


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
    slice per transcript), ids and attributes in a .parquet. `utf8`: that buffer, when the caller has it."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {name: getattr(shard, name) for name in _ARRAYS}
    text = utf8 if utf8 is not None else "".join(shard.texts).encode("utf-8", errors="surrogatepass")
    vocab = "\n".join(shard.vocab).encode("utf-8", errors="surrogatepass")
    write_arrays(folder / f"shard-{number:05d}.arrays", vocab=np.frombuffer(vocab, dtype=np.uint8),
                 text=np.frombuffer(text, dtype=np.uint8), text_length=np.array([len(t) for t in shard.texts]),
                 **arrays)
    table = pa.table({"id": shard.ids, "source": shard.sources,
                      "attributes": [json.dumps(a, default=str) if a else "{}" for a in shard.attributes]})
    pq.write_table(table, folder / f"shard-{number:05d}.parquet", write_statistics=False)


def load_shard(folder: Path, number: int) -> Shard:
    """A shard as `save_shard` wrote it; DamagedCache when its files are not what was written."""
    try:
        arrays = read_arrays(folder / f"shard-{number:05d}.arrays")
        fields = {name: arrays[name] for name in _ARRAYS}
        vocab = arrays["vocab"].tobytes().decode("utf-8", errors="surrogatepass").split("\n")
        table = pq.read_table(folder / f"shard-{number:05d}.parquet").to_pydict()
        shard = Shard(ids=table["id"], sources=table["source"], texts=_texts(arrays),
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


def _texts(arrays) -> list[str]:
    joined = arrays["text"].tobytes().decode("utf-8", errors="surrogatepass")
    ends = np.cumsum(arrays["text_length"]).tolist()
    return [joined[start:end] for start, end in zip([0, *ends[:-1]], ends)]


# An array bundle: one JSON line naming each array's dtype, shape and byte offset, then the arrays' bytes.
# Unlike .npz (a zip) it needs no checksum pass on writing, and a reader maps only the arrays it wants.
_BUNDLE_MAGIC = b"themescope-arrays-1 "


def write_arrays(path: Path, **arrays: np.ndarray) -> None:
    header, offset = {}, 0
    for name, array in arrays.items():
        header[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
        offset += array.nbytes
    with path.open("wb") as handle:
        handle.write(_BUNDLE_MAGIC + json.dumps(header).encode() + b"\n")
        for array in arrays.values():
            handle.write(np.ascontiguousarray(array).data)


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
    try:
        with (folder / f"shard-{number:05d}.arrays").open("rb") as handle:
            if not handle.readline().startswith(_BUNDLE_MAGIC):
                raise ValueError("not an array bundle")
        read_arrays(folder / f"shard-{number:05d}.arrays", ("turn_doc",))
        pq.read_metadata(folder / f"shard-{number:05d}.parquet")
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        raise DamagedCache(f"shard {number}: {type(error).__name__}: {error}") from None


# ---------------------------------------------------------------- results
def save_results(folder: Path, tables: dict[str, pd.DataFrame], info: dict, report: LoadReport) -> None:
    """Keep a run's tables; a cache folder that cannot be written (read-only, full) is a warning in `report`:
    the results were computed and are returned all the same."""
    staging = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
        for name in RESULT_TABLES:
            # no column statistics: the cache is always read whole, and min/max of 3 million strings took 0.15 s
            tables[name].to_parquet(staging / f"{name}.parquet", index=False, write_statistics=False)
        (staging / "info.json").write_text(json.dumps(info, default=str))
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)
    except OSError as error:
        report.add(folder, f"results not kept in the cache ({error.strerror or error})",
                   hint="free some space or pass --cache-dir with a writable folder")
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def load_results(folder: Path, report: LoadReport) -> tuple[dict[str, pd.DataFrame], dict] | None:
    """A run's tables and info, None when they are not cached; a damaged entry is removed, with a warning in
    `report`, and None returned so the results are computed again."""
    if not (folder / "info.json").exists():
        return None
    try:
        info = json.loads((folder / "info.json").read_text())
        tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in RESULT_TABLES}
        _check_info(info)
        return tables, info
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        report.add(folder, f"damaged cache entry discarded and rebuilt ({type(error).__name__}: {error})")
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _check_info(info) -> None:
    loaded, problems = info["report"]["loaded"], info["report"]["problems"]
    if not isinstance(loaded, dict) or not isinstance(problems, list) or not all(
            isinstance(p, dict) and {"file", "message"} <= p.keys() for p in problems):
        raise ValueError("info.json is not a load report")


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
        self._shard_cache: dict[int, tuple[list[str], dict]] = {}

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
                ids = pq.read_table(self.folder / f"shard-{number:05d}.parquet", columns=["id"])["id"].to_pylist()
                self._where.update({transcript_id: (number, row) for row, transcript_id in enumerate(ids)})
        return self._where

    def __contains__(self, transcript_id: str) -> bool:
        return transcript_id in self._index()

    def _shard(self, number: int) -> tuple[list[str], dict]:
        if number not in self._shard_cache:
            if len(self._shard_cache) >= 4:  # keep memory flat on very large corpora
                self._shard_cache.pop(next(iter(self._shard_cache)))
            arrays = read_arrays(self.folder / f"shard-{number:05d}.arrays",
                                 ("text", "text_length", *_TURN_ARRAYS))
            texts = _texts(arrays)
            turns = {name: np.array(arrays[name]) for name in _TURN_ARRAYS}
            self._shard_cache[number] = (texts, turns)
        return self._shard_cache[number]

    def text(self, transcript_id: str) -> str:
        """The repaired text of a transcript (KeyError when it is not in this analysis)."""
        number, row = self._index()[transcript_id]
        return self._shard(number)[0][row]

    def turns(self, transcript_id: str) -> pd.DataFrame:
        """turn, speaker (interviewer/participant), start, end of every turn of a transcript."""
        number, row = self._index()[transcript_id]
        turns = self._shard(number)[1]
        mine = turns["turn_doc"] == row
        roles = np.where(turns["turn_role"][mine] == 1, "participant", "interviewer")
        return pd.DataFrame({"turn": turns["turn_number"][mine], "speaker": roles,
                             "start": turns["turn_start"][mine], "end": turns["turn_end"][mine]})
