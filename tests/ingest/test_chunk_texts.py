import itertools

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.engine.shard_jobs import _packed, batches_of
from core.ingest import model
from core.ingest.chunk_texts import ChunkTexts
from core.ingest.loaders import LoadReport, PlainRun, read_transcript_runs, read_transcripts


def plain_one_by_one(utf8: bytes) -> bool:
    """The checks of a row, text by text, as the reader made them before `ChunkTexts.plain`: the reference."""
    return utf8[:1].isalnum() and len(utf8) <= model.MAX_TRANSCRIPT_CHARS and b"\r" not in utf8 \
        and b"\xc3" not in utf8 and b"\xef\xbb\xbf" not in utf8


# pieces whose bytes every check looks at: carriage returns, byte-order marks, 0xC3 (é, mojibake), other 0xEF
# characters (fullwidth ！, U+FFFD), a blank or a header's first byte, letters beyond ASCII
PIECES = ["a", "Z", "7", " ", "#", "\n", "\r", "\ufeff", "é", "！", "\ufffd", "—", "😀", "\u3000", "ſ", "User: hi"]


@settings(max_examples=400, deadline=None)
@given(texts=st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), max_size=12),
       skip=st.integers(0, 3), limit=st.integers(1, 12))
def test_the_plain_texts_of_a_chunk_are_those_each_check_passes(texts, skip, limit):
    column = pa.array([text.encode() for text in ["skipped"] * skip + texts], pa.binary()).slice(skip)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(model, "MAX_TRANSCRIPT_CHARS", limit)
        chunk = ChunkTexts.of(column)
        assert [chunk[row] for row in range(len(chunk))] == [text.encode() for text in texts]
        assert chunk.plain().tolist() == [plain_one_by_one(text.encode()) for text in texts]


def test_a_plain_csv_is_read_as_runs_and_each_other_row_by_itself(tmp_path):
    rows = [f"t{i},User: plain text {i}\n" for i in range(40)]
    rows[10] = 't10,"  User: indented"\n'
    rows[20] = ",User: no id\n"
    (tmp_path / "t.csv").write_text("transcript_id,text\n" + "".join(rows), encoding="utf-8")
    report = LoadReport()
    items = list(read_transcript_runs([tmp_path], report))
    assert [len(item) if isinstance(item, PlainRun) else item.transcript_id for item in items] == \
        [10, "t10", 9, "t_row22", 19]
    assert "row 22: no transcript_id, named 't_row22'" in str(report.problems[0])
    assert items[3].__dict__["_text"] is None  # plain, kept undecoded though it had no id


def test_batches_of_runs_pack_as_the_same_transcripts_one_by_one(tmp_path):
    texts = [f"User: text {i}" for i in range(60)]
    texts[3], texts[12] = "User: repaired \u00e2\u20ac\u201c here", "User: café"  # sent as text; as bytes
    ids = [f"t{i % 45}" for i in range(60)]  # ids 0-14 again: as many duplicates as renamed texts
    texts[45:50] = texts[0:5]
    lines = [f"{tid},{text}\n" for tid, text in zip(ids, texts)]
    (tmp_path / "t.csv").write_text("transcript_id,text\n" + "".join(lines), encoding="utf-8")
    by_runs, one_by_one = LoadReport(), LoadReport()
    sizes = [7, 7, 13, 100]
    packed = [_packed(batch) for batch in batches_of(read_transcript_runs([tmp_path], by_runs), sizes)]
    transcripts = list(read_transcripts([tmp_path], one_by_one))
    cuts = list(itertools.accumulate(sizes))
    assert packed == [_packed(transcripts[start:stop]) for start, stop in zip([0, *cuts], cuts)][:len(packed)]
    assert len(transcripts) == 55 and [len(ids) for ids, *_ in packed] == [7, 7, 13, 28]
    assert isinstance(packed[0][1], list) and isinstance(packed[1][1], tuple)
    assert [str(p) for p in by_runs.problems] == [str(p) for p in one_by_one.problems]
    assert sum("duplicate transcript" in str(p) for p in by_runs.problems) == 5
