import re

import pandas as pd
from support import DATA, ROOT

from core import analyse, parse_codebook
from core.engine.pipeline import SHARD_SIZE


def many_transcripts_csv(path, n):
    texts = [f"AI: Tell me.\nUser: I double check the calendar {i} times, deprecated or not." for i in range(n)]
    pd.DataFrame({"transcript_id": [f"t{i:05d}" for i in range(n)], "text": texts}).to_csv(path, index=False)
    return path


def test_rerun_with_nothing_changed_reuses_results(tiny_codebook, cache_dir):
    first = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    second = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    assert (first.cached, second.cached) == ("none", "results")
    pd.testing.assert_frame_equal(first.hits, second.hits)
    assert [str(p) for p in first.report.problems] == [str(p) for p in second.report.problems]


def test_codebook_edit_rescores_cached_shards_with_the_same_result_as_fresh(tiny_codebook, cache_dir):
    analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=cache_dir)
    edited = parse_codebook(tiny_codebook.text.replace("[schedule, calendar]", "[schedule]"))
    rescored = analyse([DATA / "folder"], codebook=edited, cache_dir=cache_dir)
    fresh = analyse([DATA / "folder"], codebook=edited, use_cache=False)
    assert rescored.cached == "shards"
    pd.testing.assert_frame_equal(rescored.themes, fresh.themes)
    pd.testing.assert_frame_equal(rescored.hits, fresh.hits)
    assert "calendar" not in set(rescored.hits["matched_text"])
    assert len(rescored.report.problems) == len(fresh.report.problems)


def test_changed_file_is_never_served_stale(tiny_codebook, cache_dir, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("User: my calendar")
    assert analyse([folder], codebook=tiny_codebook, cache_dir=cache_dir).hits["matched_text"].tolist() == ["calendar"]
    (folder / "a.txt").write_text("User: my schedule and calendar")
    assert len(analyse([folder], codebook=tiny_codebook, cache_dir=cache_dir).hits) == 2


def test_parallel_shards_give_the_same_tables_as_one_process(tiny_codebook, tmp_path):
    path = many_transcripts_csv(tmp_path / "many.csv", SHARD_SIZE * 2 + 7)
    parallel = analyse([path], codebook=tiny_codebook, use_cache=False, workers=2)
    serial = analyse([path], codebook=tiny_codebook, use_cache=False, workers=1)
    assert len(parallel.transcripts) == SHARD_SIZE * 2 + 7
    for name in ("transcripts", "themes", "hits"):
        pd.testing.assert_frame_equal(getattr(parallel, name), getattr(serial, name))


def test_no_transcripts_gives_empty_tables_and_a_message(tiny_codebook, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    analysis = analyse([tmp_path], codebook=tiny_codebook, use_cache=False)
    assert analysis.transcripts.empty and analysis.hits.empty
    assert list(analysis.themes.columns) == ["transcript_id", "theme", "hits", "score", "per_1k_words", "present"]
    assert "empty file skipped" in str(analysis.report.problems[0])


def test_no_speaker_labels_is_reported_and_read_as_participant(tiny_codebook):
    analysis = analyse([DATA / "folder" / "nolabels.txt"], codebook=tiny_codebook, use_cache=False)
    assert set(analysis.hits["matched_text"]) == {"calendar", "schedule"}
    assert "no speaker labels" in str(analysis.report.problems[0])


def test_unwritable_cache_still_gives_results(tiny_codebook, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    analysis = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=blocker / "cache")
    assert len(analysis.transcripts) == 4 and analysis.cached == "none"
    assert any("cache folder not usable" in str(p) for p in analysis.report.problems)


def test_cache_key_is_derived_from_every_engine_file(tmp_path):
    import shutil

    from core.engine.cache import CORE_ROOT, ENGINE_PACKAGES, code_hash, code_version
    assert code_version() == code_hash(CORE_ROOT, ENGINE_PACKAGES) and len(code_version()) == 16
    copy = tmp_path / "core"
    for package in ENGINE_PACKAGES:
        shutil.copytree(CORE_ROOT / package, copy / package)
    before = code_hash(copy, ENGINE_PACKAGES)
    assert before == code_version()
    (copy / "engine" / "proximity.py").write_text("WINDOW = 5\n")  # a new engine module...
    assert code_hash(copy, ENGINE_PACKAGES) != before               # ...is a new key
    (copy / "engine" / "proximity.py").unlink()
    assert code_hash(copy, ENGINE_PACKAGES) == before
    (copy / "views").mkdir()
    (copy / "views" / "new_chart.py").write_text("X = 1\n")      # views only read results
    assert code_hash(copy, ENGINE_PACKAGES) == before


def test_large_files_are_hashed_in_parts_and_any_change_shows(tmp_path, monkeypatch):
    import hashlib

    from core.engine import cache_keys
    monkeypatch.setattr(cache_keys, "HASH_PART_BYTES", 10)
    path = tmp_path / "big.csv"
    path.write_bytes(b"0123456789abcdefghijXYZ")
    parts = [hashlib.sha256(chunk).digest() for chunk in (b"0123456789", b"abcdefghij", b"XYZ")]
    assert cache_keys.content_hash(path, 23) == hashlib.sha256(b"".join(parts) + b"23").hexdigest()
    path.write_bytes(b"0123456789abcdefghijXYz")
    assert cache_keys.content_hash(path, 23) != hashlib.sha256(b"".join(parts) + b"23").hexdigest()


def test_shard_texts_are_the_texts_read_whether_or_not_the_file_bytes_are_kept(tmp_path):
    from core import analyse, load_codebook
    table = tmp_path / "mixed.csv"
    table.write_bytes("transcript_id,text\n"
                      "plain,User: café — fine\n"
                      "crlf,\"User: line one\r\nline two\"\n".encode())
    only_plain = tmp_path / "plain"
    only_plain.mkdir()
    (only_plain / "t.csv").write_bytes("transcript_id,text\nsolo,User: naïve ’quotes’\n".encode())
    book = load_codebook(ROOT / "config" / "codebook.yaml")
    mixed = analyse([table], codebook=book, cache_dir=tmp_path / "cache", workers=1)  # some texts repaired
    assert mixed.text("plain") == "User: café — fine"
    assert mixed.text("crlf") == "User: line one\nline two"  # repaired: saved from the text, not the bytes
    as_read = analyse([only_plain], codebook=book, cache_dir=tmp_path / "cache", workers=1)  # bytes kept
    assert as_read.text("solo") == "User: naïve ’quotes’"


def test_caption_and_word_files_keep_their_roles_under_a_codebook_with_other_labels(tmp_path):
    """The formats readers write `Interviewer (...)`/`Participant (...)` labels: a codebook naming its own
    speakers (`Q`/`A`) must still read those files' participants as participants."""
    text = (ROOT / "config" / "codebook.yaml").read_text()
    speakers = re.search(r"\n  speakers:\n(    .*\n)+", text).group(0)
    own = parse_codebook(text.replace(speakers, "\n  speakers: {interviewer: [Q], participant: [A]}\n"),
                         source="own-labels.yaml")
    assert own.settings.participant_labels == ("A",)
    default = parse_codebook(text, source="codebook.yaml")
    folder = ROOT / "data" / "formats"
    for codebook in (own, default):
        analysis = analyse([folder], codebook=codebook, use_cache=False, workers=1)
        assert (analysis.transcripts["participant_words"] > 100).all(), analysis.transcripts
    mine = analyse([folder], codebook=own, use_cache=False, workers=1).hits
    assert len(mine) > 0 and set(mine["speaker"]) == {"participant"}


def test_what_every_shard_uses_is_made_before_the_workers_fork():
    # forked workers inherit these instead of each making its own
    from core import load_codebook
    from core.engine import corpus, occupation
    from core.engine.pipeline import ShardScorer

    book = load_codebook(ROOT / "config" / "codebook.yaml")
    corpus.char_table.cache_clear()
    occupation.titles_index.cache_clear()
    ShardScorer(book).prepare()
    assert corpus.char_table.cache_info().currsize == 1
    assert occupation.titles_index.cache_info().currsize == 1
