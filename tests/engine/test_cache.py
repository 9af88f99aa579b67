"""core.engine.cache: a damaged cache entry is discarded and rebuilt with a one-line warning, and the results
are the same as from a clean cache; never a traceback."""
from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import DATA

from core import analyse
from core.engine import cache, checksums, pipeline
from core.engine.shard_cache import verified_arrays, write_arrays
from core.errors import CacheError, DataError

TABLES = ("transcripts", "themes", "hits")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _shard(cache_dir: Path, suffix: str) -> Path:
    return next((cache_dir / "corpus").glob(f"*/shard-00000.{suffix}"))


def _marker(cache_dir: Path) -> Path:
    return next((cache_dir / "corpus").glob("*/complete.json"))


def _result(cache_dir: Path, name: str) -> Path:
    return next((cache_dir / "results").glob(f"*/{name}"))


def _drop_cached_results(cache_dir: Path) -> None:
    """Keep the shards, drop the results: the next run scores the cached shards again."""
    for results in (cache_dir / "results").iterdir():
        for file in results.iterdir():
            file.unlink()
        results.rmdir()


def _grow_header(path: Path) -> None:
    """A header naming an array longer than the file holds (the bytes were cut after it was written)."""
    line, rest = path.read_bytes().split(b"\n", 1)
    header = json.loads(line[len(b"themescope-arrays-1 "):])
    header["token_word"]["shape"] = [header["token_word"]["shape"][0] * 1000]
    path.write_bytes(b"themescope-arrays-1 " + json.dumps(header).encode() + b"\n" + rest)


def _rewrite_table(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """The file stays a readable parquet table: only its checksum can tell."""
    change(pd.read_parquet(path)).to_parquet(path, index=False)


def _edit_json(path: Path, change: Callable[[dict], object]) -> None:
    value = json.loads(path.read_text())
    change(value)
    path.write_text(json.dumps(value))


def _shuffle_array(path: Path, name: str) -> None:
    """Reverse one array of a bundle in place: the same size and a valid header, other bytes."""
    line, rest = path.read_bytes().split(b"\n", 1)
    spec = json.loads(line[len(b"themescope-arrays-1 "):])[name]
    size = int(np.prod(spec["shape"])) * np.dtype(spec["dtype"]).itemsize
    start = spec["offset"]
    values = np.frombuffer(rest[start:start + size], dtype=spec["dtype"])[::-1]
    path.write_bytes(line + b"\n" + rest[:start] + values.tobytes() + rest[start + size:])


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "shard arrays truncated": lambda c: _truncate(_shard(c, "arrays")),
    "shard arrays junk": lambda c: _shard(c, "arrays").write_bytes(b"\x00junk" * 100),
    "shard arrays empty": lambda c: _shard(c, "arrays").write_bytes(b""),
    "shard arrays header past the end": lambda c: _grow_header(_shard(c, "arrays")),
    "shard ids truncated": lambda c: _truncate(_shard(c, "parquet")),
    "shard ids deleted": lambda c: _shard(c, "parquet").unlink(),
    "marker junk": lambda c: _marker(c).write_text("{not json"),
    "marker empty": lambda c: _marker(c).write_text(""),
    "marker wrong shape": lambda c: _marker(c).write_text(json.dumps({"shards": "one", "problems": []})),
    "marker names a missing shard": lambda c: _marker(c).write_text(json.dumps({"shards": 2, "problems": {}})),
    "results info junk": lambda c: _result(c, "info.json").write_text("]]"),
    "results info wrong shape": lambda c: _result(c, "info.json").write_text(json.dumps([1, 2])),
    "results info problems wrong shape": lambda c: _result(c, "info.json").write_text(
        json.dumps({"report": {"loaded": {}, "problems": ["x"]}})),
    "results hits truncated": lambda c: _truncate(_result(c, "hits.parquet")),
    "results transcripts deleted": lambda c: _result(c, "transcripts.parquet").unlink(),
    "results themes junk": lambda c: _result(c, "themes.parquet").write_bytes(b"PAR1junkPAR1"),
    "shard checksums junk": lambda c: _shard(c, "sums").write_text("nonsense"),
    "shard checksums deleted": lambda c: _shard(c, "sums").unlink(),
    "shard checksums wrong shape": lambda c: _shard(c, "sums").write_text(json.dumps(["arrays", 1])),
    "shard ids reordered (a valid table)": lambda c: _rewrite_table(_shard(c, "parquet"), lambda t: t[::-1]),
    "results hits row dropped (a valid table)": lambda c: _rewrite_table(_result(c, "hits.parquet"),
                                                                         lambda t: t.iloc[1:]),
    "results info without checksums": lambda c: _edit_json(_result(c, "info.json"), lambda i: i.pop("tables")),
    "file hashes junk": lambda c: (c / "file-hashes.json").write_text("nonsense"),
    "file hashes wrong shape": lambda c: (c / "file-hashes.json").write_text(json.dumps(["a", "b"])),
    "file hashes wrong values": lambda c: (c / "file-hashes.json").write_text(json.dumps({"x": 1})),
}
SILENT = {"file hashes junk", "file hashes wrong shape", "file hashes wrong values"}  # only a memo: no warning


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_a_damaged_cache_entry_is_rebuilt_with_a_warning(corruption, tiny_codebook, tmp_path):
    cache_dir = tmp_path / "cache"
    clean = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    CORRUPTIONS[corruption](cache_dir)
    again = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(clean, name), check_dtype=False)
    warnings = [str(p) for p in again.report.problems if "damaged cache entry" in p.message]
    if corruption in SILENT:
        assert not warnings
    else:
        assert len(warnings) == 1 and "\n" not in warnings[0], again.report.problems
    third = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)  # healed: served again
    assert third.cached == "results" and not [p for p in third.report.problems if "damaged" in p.message]
    first = clean.transcripts["transcript_id"].iloc[0]
    assert again.text(first) == clean.text(first)


def test_a_shard_damaged_after_the_check_is_rebuilt_while_scoring(tiny_codebook, tmp_path, monkeypatch):
    """The check reads headers only: a shard whose arrays disagree is caught when it is loaded."""
    cache_dir = tmp_path / "cache"
    clean = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    _drop_cached_results(cache_dir)
    real = cache.load_shard
    calls = []

    def damaged_once(folder, number):
        calls.append(number)
        if len(calls) == 1:
            raise cache.DamagedCache("shard 0: its arrays do not fit together")
        return real(folder, number)

    monkeypatch.setattr(cache, "load_shard", damaged_once)
    again = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir, workers=1)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(clean, name), check_dtype=False)
    assert any("damaged cache entry" in p.message for p in again.report.problems)


def test_a_read_only_cache_folder_still_gives_results(tiny_codebook, tmp_path):
    cache_dir = tmp_path / "cache"
    clean = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    _drop_cached_results(cache_dir)
    (cache_dir / "results").chmod(0o500)
    try:
        again = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    finally:
        (cache_dir / "results").chmod(0o700)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(clean, name), check_dtype=False)


def test_the_matrix_has_at_least_twenty_corruptions():
    assert len(CORRUPTIONS) >= 20


def test_word_ids_shuffled_in_a_shard_do_not_change_the_counts(tiny_codebook, tmp_path):
    """The arrays stay valid and the same size; before checksums, re-scoring them changed the hit count."""
    cache_dir = tmp_path / "cache"
    clean = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    _drop_cached_results(cache_dir)
    _shuffle_array(_shard(cache_dir, "arrays"), "token_word")
    again = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir, workers=1)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(clean, name), check_dtype=False)
    assert [p for p in again.report.problems if "checksum" in p.message]


def test_cached_texts_that_changed_are_an_error_and_rebuilt_on_the_next_run(tiny_codebook, tmp_path):
    """Results served from the cache, texts read lazily: a text whose bytes changed is never shown."""
    cache_dir = tmp_path / "cache"
    clean = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    _shuffle_array(_shard(cache_dir, "arrays"), "text")
    served = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    first = clean.transcripts["transcript_id"].iloc[0]
    with pytest.raises(CacheError, match="damaged"):
        served.text(first)
    healed = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    assert healed.cached == "none" and healed.text(first) == clean.text(first)


@pytest.mark.parametrize("failure", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_cache_folder_runs_without_the_cache(failure, tiny_codebook, tmp_path, monkeypatch):
    """Runs as root ignore file modes, so the failing write is simulated where the cache writes."""
    clean = analyse([DATA / "folder"], codebook=tiny_codebook, use_cache=False)
    cache_dir = tmp_path / "cache"
    real = checksums.write_checked

    def refuse_inside_the_cache(path, data):
        if cache_dir in path.parents:
            raise OSError(failure, os.strerror(failure))
        return real(path, data)

    monkeypatch.setattr(checksums, "write_checked", refuse_inside_the_cache)
    again = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir, workers=1)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(clean, name), check_dtype=False)
    notes = [p for p in again.report.problems if "cache folder not usable" in p.message]
    assert len(notes) == 1 and os.strerror(failure) in notes[0].message
    assert again.text(clean.transcripts["transcript_id"].iloc[0])


def test_no_space_even_for_the_working_files_is_a_clear_error(tiny_codebook, tmp_path, monkeypatch):
    def refuse(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(checksums, "write_checked", refuse)
    with pytest.raises(CacheError, match="No space left") as caught:
        analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=tmp_path / "cache", workers=1)
    assert "TMPDIR" in caught.value.hint


def _rewritten_after_reading(monkeypatch, file: Path, texts: list[str]) -> list[int]:
    """Each read of the data (while the run is going on) is followed by a write of the next of `texts` into
    `file`, as a copy still in progress would; returns the list of reads so far."""
    real, reads = pipeline.read_transcript_runs, []

    def reading_while_written(paths, report, options):
        yield from real(paths, report, options)
        reads.append(1)
        if len(reads) <= len(texts):
            file.write_text(texts[len(reads) - 1])

    monkeypatch.setattr(pipeline, "read_transcript_runs", reading_while_written)
    return reads


def test_a_file_rewritten_while_it_is_read_is_read_again(tiny_codebook, tmp_path, monkeypatch):
    """The tester's case: a file rewritten during `score` left results mixing old and new content, cached
    under the old file's hash. Now the run sees the change, drops what it built and reads the file again."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("User: I worry about deadlines.\nAI: Why?\nUser: Deadlines.\n")
    calls = _rewritten_after_reading(monkeypatch, data / "a.txt", ["User: Now it is about something else.\n"])
    cache_dir = tmp_path / "cache"
    first = analyse([data], codebook=tiny_codebook, cache_dir=cache_dir, workers=1)
    assert len(calls) == 2 and "something else" in first.text(first.transcripts["transcript_id"].iloc[0])
    monkeypatch.undo()
    fresh = analyse([data], codebook=tiny_codebook, use_cache=False)
    served = analyse([data], codebook=tiny_codebook, cache_dir=cache_dir)
    assert served.cached == "results"
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(served, name), getattr(fresh, name), check_dtype=False)


def test_a_file_that_keeps_changing_is_a_clear_error(tiny_codebook, tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("User: first words\n")
    _rewritten_after_reading(monkeypatch, data / "a.txt", [f"User: words of write {n}\n" for n in range(5)])
    with pytest.raises(DataError, match="changed while it was being read") as caught:
        analyse([data], codebook=tiny_codebook, cache_dir=tmp_path / "cache", workers=1)
    assert "a.txt" in str(caught.value) and caught.value.hint
    assert not list((tmp_path / "cache" / "corpus").glob("*/complete.json"))  # nothing mixed was kept


def test_a_file_restored_to_its_old_size_and_time_is_hashed_again(tiny_codebook, tmp_path):
    """The hash memo is keyed on the inode change time too, which no program can set back."""
    data = tmp_path / "data"
    data.mkdir()
    file = data / "a.txt"
    file.write_text("User: I worry about deadlines.\n")
    stat = file.stat()
    first = analyse([data], codebook=tiny_codebook, cache_dir=tmp_path / "cache")
    file.write_text("User: I adore my job, no worry.\n"[:len("User: I worry about deadlines.\n")])
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert file.stat().st_size == stat.st_size
    second = analyse([data], codebook=tiny_codebook, cache_dir=tmp_path / "cache")
    assert second.key != first.key and second.cached == "none"


def test_shard_texts_are_each_decoded_alone_as_the_whole_buffer_gives_them():
    """Byte offsets found from code point lengths: accents, an emoji, a lone surrogate, empty texts."""
    texts = ["héllo wörld 😀", "", "abc", "\udc80 kept", "ñ" * 5, "", "naïve end"]
    utf8 = "".join(texts).encode("utf-8", errors="surrogatepass")
    arrays = {"text": np.frombuffer(utf8, dtype=np.uint8), "text_length": np.array([len(t) for t in texts])}
    lazy = cache.ShardTexts(arrays)
    assert lazy[6] == "naïve end" and lazy[-4] == "\udc80 kept" and lazy[1:3] == ["", "abc"]
    assert list(lazy) == texts and len(lazy) == len(texts)
    with pytest.raises(IndexError):
        lazy[len(texts)]
    wrong = {**arrays, "text_length": arrays["text_length"] + 1}
    with pytest.raises(ValueError, match="do not add up"):
        cache.ShardTexts(wrong)


def test_a_reader_checks_only_the_arrays_it_reads(tmp_path):
    """Each array of a bundle has its own checksum: a byte changed in the texts fails a read of the texts (and
    of the whole shard), not a read of the words alone, which hashes only them; the header is always checked."""
    path = tmp_path / "bundle.arrays"
    sums = write_arrays(path, vocab=np.frombuffer(b"\nfear\ntrust", np.uint8),
                              text=np.frombuffer(b"I fear it. I trust it." * 100, np.uint8))
    assert set(sums[1]) == {"", "vocab", "text"} and sums[0] == path.stat().st_size
    data = bytearray(path.read_bytes())
    data[-5] ^= 1  # inside the texts, the last array
    path.write_bytes(bytes(data))
    assert verified_arrays(path, sums, ("vocab",))["vocab"].tobytes() == b"\nfear\ntrust"
    for names in (("text",), None):
        with pytest.raises(ValueError, match="checksum"):
            verified_arrays(path, sums, names)
    data[20] ^= 1  # inside the header line
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError):
        verified_arrays(path, sums, ("vocab",))


def test_a_bundle_checked_as_a_whole_file_still_reads(tmp_path):
    """Sums written before each array had its own ([size, sha256 of the file]) check the whole file."""
    path = tmp_path / "bundle.arrays"
    write_arrays(path, vocab=np.frombuffer(b"\nfear", np.uint8))
    whole = [path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest()]
    assert verified_arrays(path, whole, ("vocab",))["vocab"].tobytes() == b"\nfear"
    path.write_bytes(path.read_bytes()[:-1] + b"x")
    with pytest.raises(ValueError, match="checksum"):
        verified_arrays(path, whole, ("vocab",))


def test_spans_are_cut_from_the_utf8_buffer_as_the_texts_slice_them():
    """A cached shard's matched texts come from its UTF-8 buffer without decoding a text: accents, an emoji and
    CJK before and inside spans, empty spans, spans at a text's start and end."""
    texts = ["héllo wörld 😀 end", "", "abc def", "ñ" * 5 + " 日本語 x", "naïve 😀😀 café"]
    utf8 = "".join(texts).encode("utf-8")
    lazy = cache.ShardTexts({"text": np.frombuffer(utf8, dtype=np.uint8),
                             "text_length": np.array([len(t) for t in texts])})
    spans = [(doc, start, end) for doc, text in enumerate(texts)
             for start in range(len(text) + 1) for end in range(start, len(text) + 1)]
    doc, start, end = (np.array(column) for column in zip(*spans))
    assert lazy.spans(doc, start, end).to_pylist() == [texts[d][s:e] for d, s, e in spans]
    assert lazy.spans(doc[:0], start[:0], end[:0]).to_pylist() == []


def test_a_shard_is_hashed_once_per_process_until_its_files_are_written(tiny_codebook, tmp_path, monkeypatch):
    """A dashboard's workers load every shard for every preview: unchanged files are not hashed again, and
    a file written since (same size, other bytes) is, and caught."""
    cache_dir = tmp_path / "cache"
    analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    folder = _shard(cache_dir, "arrays").parent
    hashed = []
    whole, ranges = checksums.hashlib.file_digest, checksums.hashlib.sha256
    monkeypatch.setattr(checksums.hashlib, "file_digest", lambda handle, name: hashed.append(handle.name)
                        or whole(handle, name))
    monkeypatch.setattr(checksums.hashlib, "sha256", lambda *data: hashed.append("a range") or ranges(*data))
    first = cache.load_shard(folder, 0)
    assert hashed.count("a range") > 10 and len(hashed) > 11  # the parquet, the bundle's header and each array
    count = len(hashed)
    again = cache.load_shard(folder, 0)
    assert len(hashed) == count and list(again.texts) == list(first.texts)
    _shuffle_array(_shard(cache_dir, "arrays"), "text")
    with pytest.raises(cache.DamagedCache, match="checksum"):
        cache.load_shard(folder, 0)
