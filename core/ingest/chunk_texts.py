"""A chunk of a CSV's text column as the file's UTF-8 bytes: one buffer holding the texts one after the other
and where each starts, with no Python object per text, and which texts are plain: those every check of a
row (`core.ingest.tables`) passes unchanged, found for the whole chunk with a few searches of the buffer.

    texts = ChunkTexts.of(batch.column("text"))  # a binary column Arrow checked to be UTF-8
    texts.plain()  # array([ True, False, ...]): the second text needs a look of its own
"""
from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from core.ingest import model

# the first bytes a plain text may start with (`bytes.isalnum`: ASCII letters and digits): a blank text, an
# export header ("# Dialog", "**Transcript ID**") or leading blanks start otherwise
_LETTER_OR_DIGIT = np.frombuffer(bytes(bytes([byte]).isalnum() for byte in range(256)), np.bool_)  # read-only
_BYTE_ORDER_MARK = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ChunkTexts:
    """The texts of a chunk: text `i` is `utf8[bounds[i]:bounds[i + 1]]`."""

    utf8: bytes
    bounds: list[int]  # one more than the texts

    @classmethod
    def of(cls, column: pa.Array) -> ChunkTexts:
        """The texts of a binary column (the chunk's own bytes, copied once out of Arrow's buffer)."""
        offsets = np.frombuffer(column.buffers()[1], np.int32)[column.offset:column.offset + len(column) + 1]
        first, last = int(offsets[0]), int(offsets[-1])
        data = column.buffers()[2]
        utf8 = data[first:last].to_pybytes() if data is not None else b""
        return cls(utf8, (offsets - first).tolist())

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def __getitem__(self, row: int) -> bytes:
        return self.utf8[self.bounds[row]:self.bounds[row + 1]]

    def plain(self) -> np.ndarray:
        """Which texts pass every check of a row as they are: a text starting with an ASCII letter or digit (so
        it is not blank and has no export header), within the length limit in bytes already, holding nothing
        `repair_text` changes (a carriage return, a byte-order mark, 0xC3: every mojibake lead character).
        The buffer is searched for each such byte (memchr), a text holding one ends that search's look at it."""
        bounds = np.array(self.bounds, np.int64)
        starts, lengths = bounds[:-1], np.diff(bounds)
        plain = (lengths > 0) & (lengths <= model.MAX_TRANSCRIPT_CHARS)
        plain[plain] = _LETTER_OR_DIGIT[np.frombuffer(self.utf8, np.uint8)[starts[plain]]]
        for row in [*self._holding(b"\r"), *self._holding(b"\xc3"), *self._holding(b"\xef", _BYTE_ORDER_MARK)]:
            plain[row] = False
        return plain

    def _holding(self, byte: bytes, sequence: bytes | None = None) -> Iterator[int]:
        """The texts holding `byte` (or holding `sequence`, which starts with it): one search of the buffer per
        text holding the byte, a text's rest never searched once it has one."""
        utf8, ends = self.utf8, self.bounds[1:]
        at = utf8.find(byte)
        while at >= 0:
            row = bisect.bisect_right(ends, at)
            if sequence is None or utf8.find(sequence, at, ends[row]) >= 0:
                yield row
            at = utf8.find(byte, ends[row])
