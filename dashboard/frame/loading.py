"""Loading the codebook and the analysis once per process, cached on hashable keys (never on a Path).

A codebook that fails validation does not blank the dashboard: its problems are shown and the results of
the last codebook that loaded from that file stay on screen. A data file edited, added or removed, even inside
a data folder, is seen when the next check of the data is due (`data_stamps`) and the page says the numbers
were rescored.
"""
from __future__ import annotations

import argparse
import functools
import gc
import hashlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core import Analysis, Codebook, CodebookError, analyse, load_codebook
from core.codebook.model import codebook_from_bytes
from core.engine.cache import fingerprint, inputs_stamp
from core.engine.executor import LocalProcesses
from core.ingest.loaders import LoadOptions
from core.views.filters import ViewData, prepare_analysis
from core.views.search import TextIndex

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT / "data"
DEFAULT_CODEBOOK = ROOT / "config" / "codebook.yaml"


@dataclass(frozen=True)
class Sources:
    """What to analyse and how (the CLI's data options), as plain values so it can key a cache."""

    data: tuple[str, ...]
    metadata: tuple[str, ...]
    codebook: str
    id_column: str = "transcript_id"
    text_column: str = "text"
    cache_dir: str | None = None  # None: the engine's default (.themescope-cache or $THEMESCOPE_CACHE)
    use_cache: bool = True
    attributes: tuple[str, ...] | None = None  # --attributes: the columns kept as attributes (None: the first 50)
    stream: bool = False  # --stream: the big tables stay in parquet parts (as for a corpus over 1 GB)

    @property
    def options(self) -> LoadOptions:
        return LoadOptions(self.id_column, self.text_column, self.attributes)


def sources_from_argv(argv: list[str] | None = None) -> Sources:
    """Options after `streamlit run dashboard/app.py --`, as `themescope dashboard` passes them: --data
    (repeatable), --metadata, --codebook, --id-column, --text-column, --cache-dir, --no-cache, --attributes.
    Parsed once per argument list and working folder: every rerun asks, some controls once per quote shown."""
    return _parse_sources(tuple(sys.argv[1:] if argv is None else argv), os.getcwd())


@functools.lru_cache(maxsize=16)
def _parse_sources(argv: tuple[str, ...], cwd: str) -> Sources:  # cwd: relative paths resolve against it
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data", action="append")
    parser.add_argument("--metadata", action="append")
    parser.add_argument("--codebook", default=str(DEFAULT_CODEBOOK))
    parser.add_argument("--id-column", default="transcript_id")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--cache-dir")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--attributes")
    parser.add_argument("--stream", action="store_true")
    args = parser.parse_known_args(list(argv))[0]
    data = tuple(str(Path(p).resolve()) for p in args.data or [DEFAULT_DATA])
    metadata = tuple(str(Path(p).resolve()) for p in args.metadata or [])
    cache_dir = str(Path(args.cache_dir).resolve()) if args.cache_dir else None
    attributes = None if args.attributes is None \
        else tuple(name.strip() for name in args.attributes.split(",") if name.strip())
    return Sources(data, metadata, str(Path(args.codebook).resolve()), args.id_column, args.text_column,
                   cache_dir, not args.no_cache, attributes, args.stream)


def file_stamp(path: str) -> tuple[int, int]:
    """(mtime, size) of a file, (0, 0) when missing: cheap to take on every run, changes on every edit."""
    try:
        stat = os.stat(path)
        return stat.st_mtime_ns, stat.st_size
    except OSError:
        return 0, 0


# How often the data is walked for edits. Only a stat of every file read tells an edit inside a folder (a
# folder's own mtime changes when a file is added, removed or renamed, never when one is edited in place),
# and at 80,000 files that walk cost 2.1 s on a loaded machine (README Figures, benchmarks/folder_stamp_speed.py).
# So one walk serves every session of the server for a while: at least MIN_DATA_CHECK_SECONDS, and ten times
# what the last walk cost, so walking never takes more than a tenth of a core however large the folder is.
# st.cache_data(ttl=...) would fix the interval when the module is imported: it can neither follow the walk's
# cost nor be set by a test. THEMESCOPE_DATA_CHECK_SECONDS (0: on every run), read on every call, sets it instead.
DATA_CHECK_ENV = "THEMESCOPE_DATA_CHECK_SECONDS"
MIN_DATA_CHECK_SECONDS = 2.0
DATA_CHECK_COST_FACTOR = 10


@dataclass(frozen=True)
class DataCheck:
    """A stamp of the data (`inputs_stamp`), when it was taken (time.monotonic) and what taking it cost."""

    stamp: str
    taken: float
    cost: float

    def due(self, now: float) -> bool:
        """Whether the data should be walked again."""
        return now - self.taken >= data_check_interval(self.cost)


def data_check_interval(cost: float) -> float:
    """Seconds between two walks of the data, when the last cost `cost` seconds: DATA_CHECK_ENV when set."""
    setting = os.environ.get(DATA_CHECK_ENV, "").strip()
    try:
        interval = float(setting) if setting else max(MIN_DATA_CHECK_SECONDS, DATA_CHECK_COST_FACTOR * cost)
    except ValueError:  # a typo in a deployment's settings must not blank the dashboard
        return MIN_DATA_CHECK_SECONDS
    return interval if interval >= 0 else MIN_DATA_CHECK_SECONDS  # "nan" or negative: the minimum


@st.cache_resource(show_spinner=False)
def _data_checks() -> dict[Sources, DataCheck]:
    """The last check of each set of sources, shared by every session of the server: one walk serves them all
    (two sessions arriving together when one is due may both walk: the same stamp twice, never a wrong one)."""
    return {}


def data_stamps(sources: Sources) -> str:
    """The stamp of every file the data and metadata paths hold (`core.engine.cache_keys.inputs_stamp`): a
    file edited, even inside a folder and keeping its size, added or removed gives another one, seen by the
    first run after the next check is due (see DATA_CHECK_ENV)."""
    checks = _data_checks()
    last, now = checks.get(sources), time.monotonic()
    if last is None or last.due(now):
        stamp = inputs_stamp(list(sources.data), list(sources.metadata))
        last = checks[sources] = DataCheck(stamp, now, time.monotonic() - now)
    return last.stamp


def data_changed_since_last_run(stamp: str) -> bool:
    """Whether this session's numbers came from other data on its last run (the data changed on disk and
    they were scored again): the page says so rather than switching numbers silently."""
    seen = st.session_state.get("_data_stamp")
    st.session_state["_data_stamp"] = stamp
    return seen is not None and seen != stamp


def file_version(path: str) -> str:
    """A stamp that changes whenever the file's bytes do, without reading them (`cache.fingerprint`: size,
    modification time, inode and its change time, which no program can set back): cheap enough to take for
    every quote card on every rerun, where hashing a labels file each time cost 15% of a loaded server."""
    mark = fingerprint(Path(path))
    return "" if mark is None else repr(mark)  # "" like content_stamp: no file (yet)


def content_stamp(path: str) -> str:
    """sha256 of a file's bytes ("" when missing): read on every run (a codebook is a few kB), so an outside
    edit shows on the next interaction even when it keeps the size and lands within the same mtime tick."""
    return _stamp(_read(path))


def _read(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def _stamp(raw: bytes | None) -> str:
    return hashlib.sha256(raw).hexdigest() if raw is not None else ""


@st.cache_resource(show_spinner=False, max_entries=8)
def _codebook(path: str, stamp: str, _raw: bytes | None) -> Codebook | CodebookError:
    """The codebook parsed from the very bytes `stamp` was taken of (a file read twice could change between
    the reads and leave an old text cached under a new stamp)."""
    try:
        return load_codebook(path) if _raw is None else codebook_from_bytes(_raw, source=path)
    except CodebookError as error:  # cached too: a broken file is not re-parsed on every rerun
        return error


@st.cache_resource(show_spinner=False)
def _last_good_codebooks() -> dict[str, Codebook]:
    return {}


def codebook_for(path: str) -> tuple[Codebook | None, CodebookError | None]:
    """The codebook to use and the error of the file as it is now, if any. On error, the last codebook
    that loaded from this path in this process (or None)."""
    raw = _read(path)
    last = _last_good_codebooks().get(path)
    titles = last.settings.occupation_titles if last is not None and last.settings.occupation_titles else \
        str(Path(path).parent / "job_titles.yaml")
    loaded = _codebook(path, f"{_stamp(raw)}|{file_stamp(titles)}", raw)  # an edit of the title file counts too
    if isinstance(loaded, CodebookError):
        return _last_good_codebooks().get(path), loaded
    _last_good_codebooks()[path] = loaded
    return loaded, None


@st.cache_resource(show_spinner=False)
def server_executor() -> LocalProcesses:
    """One pool of worker processes per dashboard server, shared by every session (each `map` has its own
    results) and started on first use; the engine itself never starts processes for the dashboard."""
    return LocalProcesses()


def settled(cached):
    """`cached` (returned), with every object alive now moved out of the cyclic garbage collector's sight.

    Streamlit collects garbage after every rerun of every session (`runner.postScriptGC`), and a full
    collection walks every object the process holds: with the analysis, its indexes and the lexicons loaded
    that took about 65 ms per rerun on the public set (250 ms after a load), holding the GIL the other sessions
    wait for. What the caches hold lives as long as the server, so it is frozen once, when a cache fills;
    reference counting still frees it when a cache drops it (unfreezing first lets the one collection here
    reclaim any cycles)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return cached


@st.cache_resource(show_spinner="Scoring the transcripts (cached after the first time)...", max_entries=4)
def analysis_for(sources: Sources, stamp: str, codebook_hash: str, _codebook: Codebook) -> Analysis:
    """The analysis of the data with a codebook; keyed by the sources (paths and load options), their
    `data_stamps` stamp and the codebook's content hash (the engine's own disk cache then reuses whatever did not
    change)."""
    return settled(analyse(list(sources.data), codebook=_codebook, metadata=list(sources.metadata) or None,
                           options=sources.options, cache_dir=sources.cache_dir, use_cache=sources.use_cache,
                           executor=server_executor(), results="" if sources.stream else None))


@st.cache_resource(show_spinner=False, max_entries=4)
def view_data_for(analysis_key: str, _analysis: Analysis) -> ViewData:
    """The analysis indexed for filtering; a streamed one (a large corpus) keeps its hits in its parts."""
    return settled(prepare_analysis(_analysis))


@st.cache_resource(show_spinner=False, max_entries=4)
def text_index_for(analysis_key: str, _analysis: Analysis) -> TextIndex:
    """The full-text index of an analysis's transcripts, shared by every session (it reads shards lazily)."""
    return TextIndex.of(_analysis)
