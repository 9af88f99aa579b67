"""Cutting a table into batches a worker reads alone: every record is read exactly once and exactly as reading the
whole file reads it, whatever ends its lines."""
from __future__ import annotations

import pytest

from core.ingest import batches
from core.ingest.batch_reading import read_batch
from core.ingest.batches import BatchPlanner
from core.ingest.loaders import LoadOptions, LoadReport, read_transcripts


def csv_bytes(record_end: str, field_break: str, n: int = 300) -> bytes:
    """A CSV whose records end with `record_end` and whose quoted fields hold `field_break` line breaks and
    doubled quotes, so a scan that ignored quotes would start a batch inside a field."""
    rows = [f't{i:04d},"User: I ""double check"" it{field_break}{i} times,{field_break}and worry."' for i in range(n)]
    return record_end.join(["transcript_id,text", *rows, ""]).encode()


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(batches, "FIRST_BATCH_BYTES", 500)
    monkeypatch.setattr(batches, "BATCH_BYTES", 900)
    monkeypatch.setattr(batches, "SCAN_BYTES", 1000)  # records straddle the scan's blocks too
    monkeypatch.setattr(batches, "LAST_BYTES", 3000)


def read_in_batches(path):
    planned, problems = BatchPlanner(LoadOptions()).plan((str(path),))
    report = LoadReport()
    read = [raw for batch in planned for raw in read_batch(batch, LoadOptions(), report)[0]]
    assert not problems and not report.problems
    return planned, [(raw.transcript_id, raw.text) for raw in read]


def read_whole(path):
    return [(raw.transcript_id, raw.text) for raw in read_transcripts([path], LoadReport())]


@pytest.mark.parametrize(("record_end", "field_break"), [
    ("\r", "\r"),      # old Mac export: lone carriage returns everywhere
    ("\r", "\n"),      # lone carriage returns end records, fields hold newlines
    ("\n", "\n"),
    ("\r\n", "\r\n"),
    ("\r\n", "\r"),    # mixed: Windows records, Mac breaks inside fields
    ("\n", "\r\n"),
])
def test_a_csv_splits_into_many_batches_that_read_as_the_whole_file(tmp_path, small_batches, record_end,
                                                                     field_break):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(record_end, field_break))
    planned, read = read_in_batches(path)
    assert len(planned) > 20
    assert read == read_whole(path)
    assert len(read) == 300 and read[7] == ("t0007", read[7][1]) and "times," in read[7][1]



def test_a_csv_ends_in_batches_as_small_as_its_first_so_that_the_workers_end_together(tmp_path, small_batches):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes("\n", "\n"))
    planned, _ = BatchPlanner(LoadOptions()).plan((str(path),))
    size, sizes = path.stat().st_size, [batch.stop - batch.start for batch in planned]
    last = [n for n, batch in enumerate(planned) if batch.stop > size - batches.LAST_BYTES]
    assert planned[-1].stop == size and len(last) >= 3000 // 600
    assert all(s < 900 for s in sizes[:4] + sizes[last[0]:])  # the small ones: 500 bytes or a record more
    assert all(s >= 900 for s in sizes[4:last[0]]) and len(sizes[4:last[0]]) > 10


def test_a_csv_whose_record_ends_the_scan_cannot_tell_is_read_whole_not_lost(tmp_path, monkeypatch):
    monkeypatch.setattr(batches, "SCAN_BYTES", len("transcript_id,text\r"))  # the head ends on its \r: \r\n or not?
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes("\r", "\r", n=5))
    planned, read = read_in_batches(path)
    assert [batch.kind for batch in planned] == ["whole"]
    assert read == read_whole(path) and len(read) == 5


def test_an_empty_csv_is_reported_by_its_loader(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    planned, _ = BatchPlanner(LoadOptions()).plan((str(path),))
    report = LoadReport()
    assert read_batch(planned[0], LoadOptions(), report)[0] == []
    assert [str(p) for p in report.problems] == [f"{path}: empty file skipped"]


@pytest.mark.parametrize(("record_end", "field_break"), [("\r", "\r"), ("\r", "\n"), ("\n", "\n"), ("\r\n", "\r\n")])
@pytest.mark.parametrize("budget", [1000, 1700])  # steps end at the scan's blocks or inside one
def test_a_csv_planned_in_steps_is_planned_as_in_one(tmp_path, small_batches, record_end, field_break, budget):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(record_end, field_break))
    planner = BatchPlanner(LoadOptions())
    first = planner(batches.PlanStep((str(path),), budget))
    assert first.batches and first.next is not None  # batches to read before the whole file is scanned
    assert planner.plan((str(path),), budget) == planner.plan((str(path),))


def test_steps_cut_inside_multi_line_quoted_fields_keep_them_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(batches, "FIRST_BATCH_BYTES", 1)  # a batch at every record
    monkeypatch.setattr(batches, "SCAN_BYTES", 7)  # steps and blocks end inside the quoted fields' breaks
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes("\n", "\n", n=40))
    steps, step = 0, batches.PlanStep((str(path),), 7)
    planner = BatchPlanner(LoadOptions())
    planned = []
    while step is not None:
        done = planner(step)
        planned += done.batches
        step, steps = done.next, steps + 1
    assert steps > 5 and planned == planner.plan((str(path),))[0]
    report = LoadReport()
    read = [(raw.transcript_id, raw.text) for batch in planned for raw in read_batch(batch, LoadOptions(), report)[0]]
    assert read == read_whole(path) and len(read) == 40
