"""The added role's turns, tokenized once from a kept shard and kept beside it: read back they equal the turns
tokenized afresh, and a shard built again (other texts, other speaker labels) or a damaged file tokenizes again."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from support import ROOT

from core import load_codebook
from core.engine import added_tokens
from core.engine.added_tokens import added_tokens_file, shard_with_roles
from core.engine.corpus import build_shard, with_roles_tokenized
from core.engine.shard_cache import load_shard, save_shard
from core.engine.shard_jobs import speakers_for
from core.ingest.loaders import LoadReport, RawTranscript

INTERVIEWER = ("interviewer",)
TEXTS = ["Assistant: Do you trust the AI? Why not.\n\nUser: I double check. It hallucinates.\n"
         "Assistant: Caf\u00e9 \U0001F600 d\u00e9j\u00e0-vu? Tell me more.\n\nUser: ok",
         "AI: What worries you most about automation?\n\nUser: Jobs. Mostly jobs.",
         "User: only me, no questions"]


def kept_shard(folder, texts=TEXTS, *, interviewer=None, number=0):
    """The texts built into a shard (participant turns tokenized), kept in `folder` and loaded back."""
    speakers = speakers_for(load_codebook(ROOT / "config" / "codebook.yaml"))
    if interviewer is not None:
        speakers = replace(speakers, interviewer=interviewer)
    raw = [RawTranscript(f"t{i}", text, f"t{i}.txt") for i, text in enumerate(texts)]
    save_shard(build_shard(raw, speakers, LoadReport()), folder, number)
    return load_shard(folder, number)


def assert_same_tokens(quick, fresh):
    for name in ("turn_token_start", "token_word", "token_start"):
        assert np.array_equal(getattr(quick, name), getattr(fresh, name)), name
    assert quick.vocab == fresh.vocab
    for name in ("turn_at", "first", "last", "run_start", "run_end"):
        assert np.array_equal(getattr(quick.sentences(), name), getattr(fresh.sentences(), name)), name


def counting_tokenizer(monkeypatch) -> list:
    calls: list = []
    real = added_tokens.with_roles_tokenized
    monkeypatch.setattr(added_tokens, "with_roles_tokenized", lambda *a: calls.append(a) or real(*a))
    return calls


def test_kept_tokens_read_back_equal_the_turns_tokenized_afresh(tmp_path, monkeypatch):
    kept = kept_shard(tmp_path)
    calls = counting_tokenizer(monkeypatch)
    made, again = (shard_with_roles(tmp_path, 0, kept, INTERVIEWER) for _ in range(2))
    assert len(calls) == 1 and again.turn_codes is None  # the second was read from the file
    fresh = with_roles_tokenized(kept, INTERVIEWER)
    assert_same_tokens(made, fresh)
    assert_same_tokens(again, fresh)
    assert len(fresh.token_word) > len(fresh.turn_doc)  # the interviewer's words, not only the turn breaks
    words = [again.vocab[w] for w in again.token_word if w]
    assert "d\u00e9j\u00e0" in words and "automation" in words and "hallucinates" not in words


@pytest.mark.parametrize("rebuilt", [
    {"texts": [TEXTS[1], TEXTS[0], TEXTS[2]]},           # other texts in the shard
    {"interviewer": ("Assistant",)},                     # other speaker labels: "AI:" no longer a turn of its own
])
def test_a_shard_built_again_finds_no_kept_tokens_of_its_own_and_tokenizes_again(tmp_path, monkeypatch, rebuilt):
    before = added_tokens_file(tmp_path, 0, INTERVIEWER)
    assert before is None  # no shard kept yet: nothing to name
    shard_with_roles(tmp_path, 0, kept_shard(tmp_path), INTERVIEWER)
    old_file = added_tokens_file(tmp_path, 0, INTERVIEWER)
    kept = kept_shard(tmp_path, **rebuilt)
    assert added_tokens_file(tmp_path, 0, INTERVIEWER) != old_file and old_file.exists()
    calls = counting_tokenizer(monkeypatch)
    assert_same_tokens(shard_with_roles(tmp_path, 0, kept, INTERVIEWER), with_roles_tokenized(kept, INTERVIEWER))
    assert len(calls) == 1


def test_other_roles_are_kept_apart(tmp_path):
    kept = kept_shard(tmp_path)
    shard_with_roles(tmp_path, 0, kept, INTERVIEWER)
    both = ("interviewer", "participant")
    assert added_tokens_file(tmp_path, 0, both) != added_tokens_file(tmp_path, 0, INTERVIEWER)
    assert_same_tokens(shard_with_roles(tmp_path, 0, kept, both), with_roles_tokenized(kept, both))


def test_a_damaged_file_is_tokenized_again_and_kept_anew(tmp_path, monkeypatch):
    kept = kept_shard(tmp_path)
    shard_with_roles(tmp_path, 0, kept, INTERVIEWER)
    path = added_tokens_file(tmp_path, 0, INTERVIEWER)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # a byte of the last array changed
    path.write_bytes(bytes(data))
    calls = counting_tokenizer(monkeypatch)
    assert_same_tokens(shard_with_roles(tmp_path, 0, kept, INTERVIEWER), with_roles_tokenized(kept, INTERVIEWER))
    assert_same_tokens(shard_with_roles(tmp_path, 0, kept, INTERVIEWER), with_roles_tokenized(kept, INTERVIEWER))
    assert len(calls) == 1  # rewritten by the first, read by the second


def test_a_folder_that_takes_no_files_still_gives_the_tokens(tmp_path, monkeypatch):
    kept = kept_shard(tmp_path)
    monkeypatch.setattr(added_tokens, "write_arrays", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    assert_same_tokens(shard_with_roles(tmp_path, 0, kept, INTERVIEWER), with_roles_tokenized(kept, INTERVIEWER))
    assert not list(tmp_path.glob("*tokens*")) and not list(tmp_path.glob(".*"))
