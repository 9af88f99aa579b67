"""Marks made at the same moment all land: labels writes read, change and write under the file's lock
(8 threads of one process, as the dashboard's sessions are, and 2 processes); labels files with YAML aliases
or past the size limit are refused with a clear error."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from support import ROOT, race

from core.handcoding import evaluate
from core.handcoding.evaluate import LabelsError, MissedPassage, read_labels
from core.handcoding.labels import (
    QuoteMark,
    mark_missed,
    mark_quote,
    mark_transcript,
    read_missed,
    read_quote_marks,
    unmark_quote,
)

THREADS, EACH = 8, 125


def _quote(worker: int, n: int) -> QuoteMark:
    return QuoteMark(f"t{worker}", "speed", n * 10, n * 10 + 5, n % 2 == 0)


def _mark_quotes(path, worker: int) -> None:
    for n in range(EACH):
        mark_quote(path, _quote(worker, n))


def _in_threads(work, path) -> None:
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda worker: work(path, worker), range(THREADS)))  # list(): re-raises a worker's error


def test_1000_quote_marks_from_8_threads_all_land(tmp_path):
    path = tmp_path / "labels.yaml"
    _in_threads(_mark_quotes, path)
    marks = {mark.key: mark for mark in read_quote_marks(path)}
    assert len(marks) == THREADS * EACH == 1000
    assert all(marks[_quote(w, n).key] == _quote(w, n) for w in range(THREADS) for n in range(EACH))


def test_1000_transcript_marks_from_8_threads_all_land(tmp_path):
    path = tmp_path / "labels.yaml"

    def mark(path, worker):
        for n in range(EACH):
            mark_transcript(path, f"t{worker}_{n}", present=["speed"], absent=["garden"])
    _in_threads(mark, path)
    labels = read_labels(path).transcripts
    assert len(labels) == 1000
    assert all(label.present == {"speed"} and label.absent == {"garden"} for label in labels.values())


def test_marks_of_one_transcript_from_many_threads_all_land(tmp_path):
    path = tmp_path / "labels.yaml"
    themes = [f"theme_{n}" for n in range(40)]
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda theme: mark_transcript(path, "t1", present=[theme]), themes))
    assert read_labels(path).transcripts["t1"].present == set(themes)


def test_marks_and_unmarks_interleaved_keep_exactly_the_marks_left(tmp_path):
    path = tmp_path / "labels.yaml"

    def mark_then_unmark_odd(path, worker):
        for n in range(30):
            mark = _quote(worker, n)
            mark_quote(path, mark)
            if n % 2:
                unmark_quote(path, mark.transcript, mark.theme, mark.start, mark.end)
        mark_missed(path, MissedPassage(f"t{worker}", "speed", 1, 9))
    _in_threads(mark_then_unmark_odd, path)
    kept = {_quote(w, n).key for w in range(THREADS) for n in range(0, 30, 2)}
    assert {m.key for m in read_quote_marks(path)} == kept
    assert len(read_missed(path)) == THREADS


MARKER = """
import sys
sys.path.insert(0, {root!r})
from core.handcoding.labels import QuoteMark, mark_quote
print("ready", flush=True)
sys.stdin.readline()  # both processes start marking at once
for n in range(150):
    mark_quote({path!r}, QuoteMark(f"t{worker}", "speed", n * 10, n * 10 + 5, True))
"""


def test_two_processes_marking_at_once_lose_nothing(tmp_path):
    path = tmp_path / "labels.yaml"
    race([MARKER.format(root=str(ROOT), path=str(path), worker=worker) for worker in range(2)])
    expected = {(f"t{w}", "speed", n * 10, n * 10 + 5) for w in range(2) for n in range(150)}
    assert {m.key for m in read_quote_marks(path)} == expected


# ---------------------------------------------------------------- labels files that are refused
def test_a_labels_file_with_aliases_is_refused_with_its_line(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text("coder: me\ntranscripts: {}\nquotes:\n"
                    "  - &q {transcript: t1, theme: speed, start: 1, end: 5, correct: true}\n"
                    "  - *q\n")
    with pytest.raises(LabelsError, match=r"labels\.yaml:4:5: YAML anchors and aliases") as caught:
        mark_quote(path, _quote(1, 1))
    assert caught.value.hint == "write each mark out in full"
    with pytest.raises(LabelsError, match="anchors and aliases"):
        read_quote_marks(path)


def test_a_billion_laughs_labels_file_is_refused_at_once(tmp_path):
    names = "abcdefghi"  # each list holds the previous one 9 times: 9**9 entries once expanded
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{names[n]}: &{names[n]} [{', '.join(['*' + names[n - 1]] * 9)}]" for n in range(1, 9)]
    path = tmp_path / "labels.yaml"
    path.write_text("\n".join(lines) + "\ntranscripts: {}\n")
    with pytest.raises(LabelsError, match=r":1:4: YAML anchors"):
        mark_transcript(path, "t1", present=["speed"])


def test_a_labels_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(evaluate, "LABELS_MAX_BYTES", 1_000)
    path = tmp_path / "labels.yaml"
    before = "coder: me\ntranscripts: {}\n" + "# padding\n" * 200
    path.write_text(before)
    with pytest.raises(LabelsError, match="is 2,026 bytes, more than the 1,000 a labels file may be") as caught:
        mark_quote(path, _quote(1, 1))
    assert "split it" in caught.value.hint
    assert path.read_text() == before  # nothing written


def test_the_limit_is_20_mb():
    assert evaluate.LABELS_MAX_BYTES == 20_000_000
