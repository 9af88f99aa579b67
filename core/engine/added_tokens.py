"""The turns of a role a kept shard did not tokenize (the interviewer's, for a scope edit), tokenized once and
kept beside the shard in the cache, so a repeated scope preview, or any later one with another codebook, only
reads them back.

Tokenizing those turns from the kept texts and working out where their sentences end cost more than scoring
them (at 80,000 transcripts, about two thirds of a scope preview's work on the pool's workers). What is kept
depends on the shard's texts and turns and on the roles alone, never on the codebook: the file's name holds
the roles and a digest of the kept shard's own checksums, so a shard built again (other texts, or other speaker
labels splitting the turns differently) finds no file of its own and tokenizes again; the folder itself is keyed
by the engine's code. Written with a checksum per array, and a file not as written is tokenized again.

    shard = shard_with_roles(folder, 3, kept_shard, ("interviewer",))   # as `with_roles_tokenized` gives it
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.engine.cache_keys import digest
from core.engine.corpus import Shard, with_roles_tokenized
from core.engine.passages import SentenceEnds
from core.engine.shard_cache import shard_sums, verified_arrays, vocabulary_of, write_arrays
from core.files import write_atomically

FORMAT = 1  # the arrays kept: another layout gets another name, never a misread
_TOKENS = ("turn_token_start", "token_word", "token_start")


def shard_with_roles(folder: Path, number: int, kept: Shard, roles: tuple[str, ...]) -> Shard:
    """Shard `number` of `folder` (`kept`, as loaded) with only the turns of `roles` tokenized and their
    sentence ends worked out: read from beside it when kept there as written, else made and kept."""
    path = added_tokens_file(folder, number, roles)
    shard = _read(path, kept) if path is not None else None
    if shard is None:
        shard = with_roles_tokenized(kept, roles)
        shard.sentences()  # kept too: working them out costs as much as scoring the turns
        if path is not None:
            _write(path, shard)
    return shard


def added_tokens_file(folder: Path, number: int, roles: tuple[str, ...]) -> Path | None:
    """Where shard `number`'s tokens of `roles` are kept: named by the roles and the shard's checksums (None
    when the shard has none to read: it is not kept as written)."""
    try:
        sums = shard_sums(folder, number)
    except (OSError, ValueError):
        return None
    key = digest(FORMAT, list(roles), sums)
    return folder / f"shard-{number:05d}.tokens-{'-'.join(roles)}-{key[:16]}.arrays"


def _write(path: Path, shard: Shard) -> None:
    """The token arrays, the vocabulary and the sentence ends in one array bundle, then its checksums beside
    it. A folder that cannot take them (read-only, full) keeps none: they are tokenized again next time."""
    vocab = "\n".join(shard.vocab).encode("utf-8", errors="surrogatepass")
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        os.close(handle)
        try:
            sums = write_arrays(Path(temporary), vocab=np.frombuffer(vocab, dtype=np.uint8),
                                **{name: getattr(shard, name) for name in _TOKENS}, **shard.sentences().arrays())
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        write_atomically(_sums(path), json.dumps(sums).encode())
    except OSError:
        return


def _read(path: Path, kept: Shard) -> Shard | None:
    """`kept` with the tokens and sentence ends kept at `path`, or None when there are none, or not as written."""
    try:
        arrays = verified_arrays(path, json.loads(_sums(path).read_text()))
        shard = replace(kept, vocab=vocabulary_of(arrays["vocab"]), turn_codes=None,
                        sentence_ends=SentenceEnds.from_arrays(arrays), turn_token_start=arrays["turn_token_start"],
                        token_word=arrays["token_word"], token_start=arrays["token_start"])
    except (OSError, ValueError, KeyError, TypeError, UnicodeError):
        return None
    return shard if _fits(shard) else None


def _fits(shard: Shard) -> bool:
    """The cheap checks that catch tokens kept for another shard: one token range per turn, word ids in the
    vocabulary, a sentence start per turn."""
    turns, tokens = len(shard.turn_doc), len(shard.token_word)
    sentences = shard.sentence_ends
    return (len(shard.turn_token_start) == turns + 1 and int(shard.turn_token_start[-1]) == tokens
            and len(shard.token_start) == tokens and sentences is not None and len(sentences.turn_at) == turns
            and (tokens == 0 or (int(shard.token_word.min()) >= 0 and int(shard.token_word.max()) < len(shard.vocab))))


def _sums(path: Path) -> Path:
    return path.with_suffix(".sums")
