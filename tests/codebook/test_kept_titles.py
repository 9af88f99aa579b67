"""The job-title lexicon kept on this machine: what is read back is what validating the file gives, and any
change to the file, the group ids or the kept file itself validates it again."""
from __future__ import annotations

import pytest
from support import ROOT

from core import CodebookError
from core.codebook import kept_titles, titles
from core.codebook.kept_titles import KEPT_LEXICONS, load_job_titles
from core.codebook.titles import parse_job_titles
from core.files import ENV_LEXICON_CACHE

GROUPS = ["education", "healthcare", "other"]
SHIPPED = ROOT / "config" / "job_titles.yaml"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "lexicon-cache"
    monkeypatch.setenv(ENV_LEXICON_CACHE, str(folder))
    return folder


def test_the_shipped_lexicon_read_back_is_the_validated_one(cache, monkeypatch, default_codebook):
    groups = [o.id for o in default_codebook.occupations]
    fresh = parse_job_titles(SHIPPED.read_text(encoding="utf-8"), groups, source=str(SHIPPED))
    first = load_job_titles(SHIPPED, groups)
    monkeypatch.setattr(titles, "_compose", lambda text, source: pytest.fail("validated again"))
    kept = load_job_titles(SHIPPED, groups)
    for loaded in (first, kept):
        assert (loaded.source, loaded.content_hash, loaded.entries) == (fresh.source, fresh.content_hash, fresh.entries)
    assert len(list(cache.glob("job-titles-*.json"))) == 1


def test_an_edited_file_is_validated_again(cache, tmp_path):
    path = tmp_path / "job_titles.yaml"
    path.write_text("education: [teacher]\n", encoding="utf-8")
    assert load_job_titles(path, GROUPS).entries == (("education", "teacher", 1),)
    path.write_text("education: [teacher, tutor]\n", encoding="utf-8")
    assert load_job_titles(path, GROUPS).entries == (("education", "teacher", 1), ("education", "tutor", 1))
    path.write_text("education: [teacher]\nhealthcare: [Teachers]\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="`Teachers` is also under `education`"):
        load_job_titles(path, GROUPS)


def test_other_group_ids_validate_the_same_text_again(cache, tmp_path):
    path = tmp_path / "job_titles.yaml"
    path.write_text("education: [teacher]\nhealthcare: [nurse]\n", encoding="utf-8")
    load_job_titles(path, GROUPS)
    with pytest.raises(CodebookError, match="unknown occupation group `healthcare`"):
        load_job_titles(path, ["education", "other"])


def test_a_file_with_problems_is_never_kept(cache, tmp_path):
    path = tmp_path / "job_titles.yaml"
    path.write_text("education: [teacher]\nnope: [x]\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(CodebookError, match="unknown occupation group `nope`"):
            load_job_titles(path, GROUPS)
    assert not list(cache.glob("job-titles-*.json"))


@pytest.mark.parametrize("damage", [lambda data: data[:-7], lambda data: data.replace(b"teacher", b"preacher"),
                                    lambda data: b"junk", lambda data: b""])
def test_a_damaged_kept_file_is_validated_again_and_rewritten(cache, tmp_path, damage):
    path = tmp_path / "job_titles.yaml"
    path.write_text("education: [teacher]\n", encoding="utf-8")
    load_job_titles(path, GROUPS)
    [kept] = cache.glob("job-titles-*.json")
    written = kept.read_bytes()
    kept.write_bytes(damage(written))
    assert load_job_titles(path, GROUPS).entries == (("education", "teacher", 1),)
    assert kept.read_bytes() == written


def test_a_cache_folder_that_cannot_be_written_only_costs_the_time(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(ENV_LEXICON_CACHE, str(blocker / "lexicon"))
    path = tmp_path / "job_titles.yaml"
    path.write_text("education: [teacher]\n", encoding="utf-8")
    for _ in range(2):
        assert load_job_titles(path, GROUPS).entries == (("education", "teacher", 1),)


def test_only_the_latest_lexicons_are_kept(cache, tmp_path):
    path = tmp_path / "job_titles.yaml"
    for n in range(KEPT_LEXICONS + 3):
        path.write_text(f"education: [teacher {n}]\n", encoding="utf-8")
        load_job_titles(path, GROUPS)
    assert len(list(cache.glob("job-titles-*.json"))) == KEPT_LEXICONS
    assert kept_titles._kept_entries(kept_titles._key(path.read_text(encoding="utf-8"), GROUPS)) == \
        (("education", f"teacher {KEPT_LEXICONS + 2}", 1),)
