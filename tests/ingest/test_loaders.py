import json

import pandas as pd
from support import DATA

from core.ingest.loaders import LoadOptions, LoadReport, read_transcripts
from core.ingest.metadata_tables import read_metadata
from core.ingest.text import repair_text
from core.ingest.turns import strip_header


def load(*paths, options=LoadOptions()):
    report = LoadReport()
    transcripts = list(read_transcripts([str(p) for p in paths], report, options))
    return {t.transcript_id: t for t in transcripts}, report


def messages(report):
    return [str(p) for p in report.problems]


def test_folder_loads_good_files_and_reports_each_bad_one():
    loaded, report = load(DATA / "folder")
    assert set(loaded) == {"alpha_01", "bravo", "cp1252", "nolabels"}
    text = "\n".join(messages(report))
    assert "empty.txt: empty file skipped" in text
    assert "binary.txt: binary file" in text
    assert "cp1252.txt:1: bytes that are not UTF-8 (first: 0x93)" in text


def test_header_gives_the_id_and_is_stripped():
    loaded, _ = load(DATA / "folder" / "alpha.txt")
    assert loaded["alpha_01"].text.startswith("Assistant: Welcome.")


def test_undecodable_bytes_are_read_as_windows_1252_not_lost():
    loaded, _ = load(DATA / "folder" / "cp1252.txt")
    assert "“about”" in loaded["cp1252"].text


def test_csv_rows_duplicates_and_empty_text():
    loaded, report = load(DATA / "table.csv")
    assert set(loaded) == {"csv_1", "csv_3", "csv_1__2"}
    assert loaded["csv_1"].attributes == {"team": "red"}
    assert "art" in loaded["csv_1__2"].text
    text = "\n".join(messages(report))
    assert "table.csv:3: row 3 (csv_2): no text, row skipped" in text
    assert "duplicate transcript 'csv_1' (same text" in text
    assert "kept as 'csv_1__2'" in text


def test_missing_columns_skip_the_file_with_a_hint():
    loaded, report = load(DATA / "wrong_columns.csv")
    assert loaded == {}
    assert "missing column(s) transcript_id, text" in messages(report)[0]
    assert "--id-column" in messages(report)[0]


def test_columns_can_be_mapped():
    loaded, report = load(DATA / "wrong_columns.csv", options=LoadOptions(id_column="id", text_column="body"))
    assert list(loaded) == ["x_1"] and not report.problems


def test_jsonl_reports_bad_lines_and_empty_text():
    loaded, report = load(DATA / "table.jsonl")
    assert list(loaded) == ["j_1"]
    text = "\n".join(messages(report))
    assert "table.jsonl:2: invalid JSON" in text
    assert "j_2): no text" in text


def test_parquet_table(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"transcript_id": ["p1", "p2"], "text": ["User: a", "User: b"], "year": [2024, 2025]}) \
        .to_parquet(path)
    loaded, report = load(path)
    assert list(loaded) == ["p1", "p2"] and loaded["p2"].attributes == {"year": 2025}


def test_malformed_csv_is_reported_and_other_files_still_load(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('transcript_id,text\n"a,"User: unterminated\n')
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"transcript_id": "g", "text": "User: fine"}) + "\n")
    loaded, report = load(bad, good)
    assert "g" in loaded
    assert any("bad.csv" in m for m in messages(report))


def test_missing_path_and_unsupported_type_are_reported(tmp_path):
    (tmp_path / "notes.pages").write_bytes(b"PK")
    loaded, report = load(tmp_path / "nope", tmp_path / "notes.pages")
    assert loaded == {}
    text = "\n".join(messages(report))
    assert "nope: no such file or folder" in text and "unsupported file type .pages" in text


def test_metadata_reports_duplicates_and_indexes_by_id(tmp_path):
    path = tmp_path / "metadata.csv"
    path.write_text("transcript_id,region\na,EU\na,US\nb,Asia\n")
    report = LoadReport()
    table = read_metadata(path, report)
    assert table.loc["a", "region"] == "EU" and len(table) == 2
    assert "duplicate id 'a'" in messages(report)[0]


def test_metadata_without_id_column_is_ignored_with_a_message(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("name,region\na,EU\n")
    report = LoadReport()
    assert read_metadata(path, report).empty
    assert "no 'transcript_id' column" in messages(report)[0]


def test_csv_bad_rows_are_reported_and_the_rest_loads(tmp_path):
    table = tmp_path / "mixed.csv"
    table.write_bytes(b'transcript_id,text,team\n'
                      b'a,"User: line one\nline two",red\n'
                      b'b,User: too,many,fields\n'
                      b'c,User: caf\xe9 au lait,blue\n'
                      b'd,User: fine,green\n')
    loaded, report = load(table)
    assert set(loaded) == {"a", "c", "d"}
    assert loaded["a"].text == "User: line one\nline two"  # a quoted field keeps its line break
    assert loaded["c"].text == "User: café au lait"  # Windows-1252 bytes read, not replaced
    text = "\n".join(messages(report))
    assert "a row with 4 fields where the header has 3 skipped: 'b,User: too,many,fields'" in text
    assert "mixed.csv: row 'c': bytes that are not UTF-8 (first: 0xe9)" in text


def test_csv_repeated_column_names_keep_both_columns(tmp_path):
    table = tmp_path / "repeated.csv"
    table.write_text("transcript_id,text,wave,wave\nr1,User: hello,1,2\n")
    loaded, _ = load(table)
    assert loaded["r1"].attributes == {"wave": "1", "wave.1": "2"}


def test_empty_csv_is_reported(tmp_path):
    (tmp_path / "nothing.csv").write_bytes(b"")
    loaded, report = load(tmp_path / "nothing.csv")
    assert loaded == {} and "nothing.csv: empty file skipped" in "\n".join(messages(report))


def test_csv_ids_stay_text_as_written(tmp_path):
    table = tmp_path / "ids.csv"
    table.write_text("transcript_id,text\n007,User: licensed\n")
    assert list(load(table)[0]) == ["007"]


def test_a_csv_row_longer_than_a_read_block_loses_nothing(tmp_path, monkeypatch):
    import core.ingest.tables
    monkeypatch.setattr(core.ingest.tables, "CSV_BLOCK_BYTES", 4096)
    table = tmp_path / "long.csv"
    long_text = "User: " + "word " * 5000
    table.write_text(f'transcript_id,text\na,User: short\nb,one,two,three\nc,"{long_text}"\nd,User: after\n')
    loaded, report = load(table)
    assert set(loaded) == {"a", "c", "d"} and loaded["c"].text == long_text
    assert len(messages(report)) == 1 and "a row with 4 fields" in messages(report)[0]  # reported once


def test_the_same_transcript_in_a_csv_and_a_jsonl_is_one_duplicate(tmp_path):
    """Duplicates are told apart by the text's UTF-8 bytes: the CSV reader's own, the JSONL text encoded."""
    text = "User: Crème brûlée – I’m a nurse 😀"
    pd.DataFrame({"transcript_id": ["t1"], "text": [text]}).to_csv(tmp_path / "a.csv", index=False)
    (tmp_path / "b.jsonl").write_text(json.dumps({"transcript_id": "t1", "text": text}) + "\n"
                                      + json.dumps({"transcript_id": "t1", "text": text + "!"}) + "\n",
                                      encoding="utf-8")
    loaded, report = load(tmp_path / "a.csv", tmp_path / "b.jsonl")
    assert set(loaded) == {"t1", "t1__2"} and loaded["t1__2"].text.endswith("!")
    assert "duplicate transcript 't1' (same text" in "\n".join(messages(report))


# rows a CSV may hold: only the first passes every check unchanged without being decoded
CSV_TEXTS = {"plain": "User: I teach chemistry.\nAI: Thanks.", "carriage": "User: a\r\nAI: b",
             "mark": "\ufeffUser: hi", "mojibake": "User: no wrong answers \u00e2\u20ac\u201c we",
             "header": "# Dialog 1\n\n**Transcript ID:** x\n\n---\n\nAI: Hi", "indented": "  User: hi",
             "accent": "User: caf\u00e9", "blank": " \u3000 "}


def test_a_plain_csv_text_is_decoded_only_when_read_and_the_others_as_before(tmp_path):
    from core.engine.shard_jobs import _packed

    pd.DataFrame({"transcript_id": list(CSV_TEXTS), "text": list(CSV_TEXTS.values())}).to_csv(
        tmp_path / "t.csv", index=False)
    loaded, report = load(tmp_path / "t.csv")
    _packed([loaded["plain"], loaded["accent"]])  # what a run sends its workers: the file's bytes
    assert [tid for tid, raw in loaded.items() if raw.__dict__["_text"] is None] == ["plain"]
    assert {tid: raw.text for tid, raw in loaded.items()} == {
        tid: strip_header(repair_text(text))[0] for tid, text in CSV_TEXTS.items() if tid != "blank"}
    assert "row 9 (blank): no text, row skipped" in "\n".join(messages(report))
