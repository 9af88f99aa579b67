"""Shards in the cache: a corpus's turn and token arrays and texts, one folder per corpus key.

    save_shard(shard, folder, 0); finish_shards(folder, 1, problems)
    shard = load_shard(folder, 0)          # checksums verified; DamagedCache when not as written

Each shard is an array bundle (arrays, texts and where their sentences end: `core.engine.passages`; a
bundle written before those were kept works them out when read), a .parquet (ids, sources, attributes) and
a .sums file with the size and sha256 of both (the bundle's per array: a reader checks what it reads). A folder
is complete once `finish_shards` wrote its marker; an interrupted build has none and is built again, and
`shards_intact` removes a damaged folder so it is.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from core.engine import checksums
from core.engine.checksums import DamagedCache, parquet_bytes, verify, verify_ranges
from core.engine.corpus import Shard, concatenated_ranges
from core.engine.passages import SentenceEnds
from core.files import write_atomically
from core.ingest.loaders import LoadReport

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
    sums = {"arrays": write_arrays(shard_file(folder, number, "arrays"),
                                   vocab=np.frombuffer(vocab, dtype=np.uint8),
                                   text=np.frombuffer(text, dtype=np.uint8),
                                   text_length=np.array([len(t) for t in shard.texts]), **arrays,
                                   **shard.sentences().arrays())}
    table = pa.table({"id": shard.ids, "source": shard.sources,
                      "attributes": [json.dumps(a, default=str) if a else "{}" for a in shard.attributes]})
    sums["parquet"] = checksums.write_checked(shard_file(folder, number, "parquet"), parquet_bytes(table))
    shard_file(folder, number, "sums").write_text(json.dumps(sums))


def shard_file(folder: Path, number: int, kind: str) -> Path:
    return folder / f"shard-{number:05d}.{kind}"


def shard_sums(folder: Path, number: int) -> dict:
    sums = json.loads(shard_file(folder, number, "sums").read_text())
    if not isinstance(sums, dict):
        raise ValueError("shard checksums are not a table")
    return sums


def load_shard(folder: Path, number: int) -> Shard:
    """A shard as `save_shard` wrote it; DamagedCache when its files are not what was written."""
    try:
        sums = shard_sums(folder, number)
        verify(shard_file(folder, number, "parquet"), sums.get("parquet"))
        arrays = verified_arrays(shard_file(folder, number, "arrays"), sums.get("arrays"))
        fields: dict[str, Any] = {name: arrays[name] for name in _ARRAYS}  # numpy arrays, by Shard field
        vocab = vocabulary_of(arrays["vocab"])
        table = pq.read_table(shard_file(folder, number, "parquet")).to_pydict()
        shard = Shard(ids=table["id"], sources=table["source"], texts=ShardTexts(arrays),
                      attributes=[json.loads(a) for a in table["attributes"]], vocab=vocab,
                      sentence_ends=SentenceEnds.from_arrays(arrays), **fields)
    except (OSError, ValueError, KeyError, TypeError, UnicodeError, pa.ArrowException) as error:
        raise DamagedCache(f"shard {number} in {folder}: {type(error).__name__}: {error}") from None
    if not _consistent(shard):
        raise DamagedCache(f"shard {number} in {folder}: its arrays do not fit together")
    return shard


def kept_texts(folder: Path, number: int) -> tuple[ShardTexts, dict[str, list]]:
    """A shard's texts (each decoded when read) and its parquet's columns (id, source, attributes as JSON), without
    its tokens: what splitting its transcripts into turns again needs. DamagedCache when not as written."""
    try:
        sums = shard_sums(folder, number)
        verify(shard_file(folder, number, "parquet"), sums.get("parquet"))
        arrays = verified_arrays(shard_file(folder, number, "arrays"), sums.get("arrays"), ("text", "text_length"))
        return ShardTexts(arrays), pq.read_table(shard_file(folder, number, "parquet")).to_pydict()
    except (OSError, ValueError, KeyError, TypeError, UnicodeError, pa.ArrowException) as error:
        raise DamagedCache(f"shard {number} in {folder}: {type(error).__name__}: {error}") from None


def vocabulary_of(array: np.ndarray) -> list[str]:
    """A shard's vocabulary (word id -> word) from its stored array."""
    return array.tobytes().decode("utf-8", errors="surrogatepass").split("\n")


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
            and (n_turns == 0 or (int(shard.turn_doc.min()) >= 0 and int(shard.turn_doc.max()) < len(shard.ids)))
            and (shard.sentence_ends is None or _sentences_fit(shard.sentence_ends, n_turns)))


def _sentences_fit(sentences: SentenceEnds, n_turns: int) -> bool:
    return (len(sentences.turn_at) == len(sentences.first) == len(sentences.last) == n_turns
            and len(sentences.run_start) == len(sentences.run_end))


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
        self._continued = continuation - np.arange(len(continuation))
        offsets = self._byte_of(starts)
        if int(lengths.min(initial=0)) < 0 or int(offsets[-1]) != len(utf8):
            raise ValueError("the text lengths do not add up to the shard's text")
        self._bytes = utf8
        self._starts = starts
        self._offsets = offsets.tolist()
        self._decoded: dict[int, str] = {}  # a dict's item assignment is atomic: threads may share a shard

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def utf8(self) -> tuple[np.ndarray, list[int]]:
        """The texts' UTF-8 bytes, one after the other, and where each text's bytes start (and, last, the end):
        searched as bytes, no text is decoded."""
        return self._bytes, self._offsets

    def _byte_of(self, code_point: np.ndarray) -> np.ndarray:
        """Where each code point (counted over the whole shard) starts in the UTF-8 buffer."""
        return code_point + np.searchsorted(self._continued, code_point, side="right")

    def spans(self, doc: np.ndarray, start: np.ndarray, end: np.ndarray) -> pa.StringArray:
        """texts[doc][start:end] of every span, as Arrow strings cut from the UTF-8 buffer: no text is decoded
        (a preview's hits are in thousands of texts; decoding each to slice a word or two cost most of the
        hit rows)."""
        first, last = (self._byte_of(self._starts[doc] + offset) for offset in (start, end))
        lengths = last - first
        offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int32)
        data = self._bytes[concatenated_ranges(first, lengths)]
        return pa.StringArray.from_buffers(len(doc), pa.py_buffer(offsets), pa.py_buffer(data))

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
    """Write an array bundle; returns [its size, the sha256 of its header line and of each array] (`""`: the
    header), each hashed from the bytes as they are written, so a reader checks only the arrays it reads
    (`verified_arrays`: a search reads the words, not the texts that are half the bundle)."""
    header, offset = {}, 0
    for name, array in arrays.items():
        header[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
        offset += array.nbytes
    first = _BUNDLE_MAGIC + json.dumps(header).encode() + b"\n"
    parts: dict[str, bytes | memoryview] = {"": first, **{n: np.ascontiguousarray(a).data for n, a in arrays.items()}}
    hashes = {}
    with path.open("wb") as handle:
        for name, part in parts.items():
            handle.write(part)
            hashes[name] = hashlib.sha256(part).hexdigest()
    return [len(first) + offset, hashes]


def verified_arrays(path: Path, expected, names: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """`read_arrays` once the bytes read are checked against `expected` (what `write_arrays` returned): the
    header and the arrays named (all when None). A bundle's sums written before each array had its own hash
    ([size, sha256 of the file]) check the whole file. ValueError when not as written."""
    if isinstance(expected, list) and len(expected) == 2 and isinstance(expected[1], str):
        verify(path, expected)
        return read_arrays(path, names)
    if not (isinstance(expected, list) and len(expected) == 2 and isinstance(expected[1], dict)):
        raise ValueError(f"{path.name}: no checksum recorded")
    size, hashes = expected
    header, start = _header(path)
    ranges = [(0, start, hashes[""])] + [
        (start + spec["offset"], int(np.prod(spec["shape"])) * np.dtype(spec["dtype"]).itemsize, hashes[name])
        for name, spec in header.items() if names is None or name in names]
    verify_ranges(path, size, ranges)
    return _mapped(path, header, start, names)  # the header just read: the file is not opened again for it


def _header(path: Path) -> tuple[dict, int]:
    """A bundle's header (each array's dtype, shape and offset) and where its arrays start."""
    with path.open("rb") as handle:
        line = handle.readline(1 << 20)
    if not line.startswith(_BUNDLE_MAGIC) or not line.endswith(b"\n"):
        raise ValueError(f"{path.name}: not an array bundle")
    header = json.loads(line[len(_BUNDLE_MAGIC):])
    if not isinstance(header, dict):
        raise ValueError(f"{path.name}: its header is not a table")
    return header, len(line)


def read_arrays(path: Path, names: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The arrays of a bundle (or only `names`), mapped read-only from the file rather than copied."""
    return _mapped(path, *_header(path), names)


def _mapped(path: Path, header: dict, start: int, names: tuple[str, ...] | None) -> dict[str, np.ndarray]:
    """The arrays `header` names (all when None), over the file's bytes from `start` (where its arrays begin)."""
    size = path.stat().st_size - start
    for name, spec in header.items():
        end = spec["offset"] + int(np.prod(spec["shape"])) * np.dtype(spec["dtype"]).itemsize
        if end > size:
            raise ValueError(f"{path}: array {name} ends at byte {end:,}, past the end of the file ({size:,})")
    # plain arrays over the mapped bytes: indexing an np.memmap goes through Python code on every call
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=start) if size > 0 else np.zeros(0, dtype=np.uint8)
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
            size = shard_file(folder, number, kind).stat().st_size
            if not isinstance(sums.get(kind), list) or sums[kind][0] != size:
                raise ValueError(f"{kind} file is {size:,} bytes, not as written")
        with shard_file(folder, number, "arrays").open("rb") as handle:
            if not handle.readline().startswith(_BUNDLE_MAGIC):
                raise ValueError("not an array bundle")
        read_arrays(shard_file(folder, number, "arrays"), ("turn_doc",))
        pq.read_metadata(shard_file(folder, number, "parquet"))
    except (OSError, ValueError, KeyError, TypeError, IndexError, pa.ArrowException) as error:
        raise DamagedCache(f"shard {number}: {type(error).__name__}: {error}") from None

