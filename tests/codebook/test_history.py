import os
import subprocess
import sys
import time

import pytest
from support import ROOT
from workbench_data import CODEBOOK

from core import files
from core.codebook.history import draft_path, history_folder, list_versions, restore_version, save_codebook

VALID = CODEBOOK.read_text()
EDITED = VALID.replace("terms: [painting]", "terms: [painting, drawing]")
INVALID = VALID.replace("threshold: 88", "treshold: 88")


@pytest.fixture
def codebook_path(tmp_path):
    path = tmp_path / "config" / "codebook.yaml"
    path.parent.mkdir()
    path.write_text(VALID)
    return path


def test_a_valid_save_replaces_the_codebook_and_keeps_the_previous_text(codebook_path):
    result = save_codebook(codebook_path, EDITED)
    assert result.saved and result.path == codebook_path and codebook_path.read_text() == EDITED
    assert result.codebook.theme("art").terms[1].text == "drawing"
    assert result.previous.path.parent == codebook_path.parent / ".history"
    assert result.previous.text() == VALID
    assert result.previous.path.name.startswith("codebook-") and result.previous.path.name.endswith(".yaml")


def test_an_invalid_save_goes_to_the_draft_and_never_becomes_active(codebook_path):
    result = save_codebook(codebook_path, INVALID)
    assert not result.saved and result.path == draft_path(codebook_path)
    assert result.path.name == "codebook.draft.yaml" and result.path.read_text() == INVALID
    assert codebook_path.read_text() == VALID and list_versions(codebook_path) == []
    assert str(result.problems[0]) == (f"{codebook_path}:4:3: unknown key `treshold` (at `settings.treshold`). "
                                       "Fix: did you mean `threshold`? allowed keys: threshold, scope, min_hits, "
                                       "fuzzy_min_length, speakers, occupation, negators, negation_window, hedges")


def test_a_valid_save_clears_an_outdated_draft(codebook_path):
    save_codebook(codebook_path, INVALID)
    save_codebook(codebook_path, EDITED)
    assert not draft_path(codebook_path).exists()


def test_every_earlier_version_is_listed_newest_first_and_can_be_restored(codebook_path):
    third = EDITED.replace("drawing", "sketching")
    save_codebook(codebook_path, EDITED)
    save_codebook(codebook_path, third)
    versions = list_versions(codebook_path)
    assert [v.text() for v in versions] == [EDITED, VALID]
    assert versions[0].saved_at > versions[1].saved_at
    restored = restore_version(codebook_path, versions[1])
    assert restored.saved and codebook_path.read_text() == VALID
    assert [v.text() for v in list_versions(codebook_path)] == [third, EDITED, VALID]


def test_saving_the_same_text_twice_keeps_one_copy(codebook_path):
    save_codebook(codebook_path, EDITED)
    save_codebook(codebook_path, EDITED)
    assert [v.text() for v in list_versions(codebook_path)] == [EDITED, VALID]


def test_a_first_save_has_no_previous_version(tmp_path):
    result = save_codebook(tmp_path / "new.yaml", VALID)
    assert result.saved and result.previous is None and not history_folder(tmp_path / "new.yaml").exists()


def test_a_failure_during_the_rename_leaves_the_old_file_whole(codebook_path, monkeypatch):
    def crash(*args):
        raise OSError("disk gone")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        save_codebook(codebook_path, EDITED)
    assert codebook_path.read_text() == VALID
    files = [p.name for p in codebook_path.parent.rglob("*") if p.is_file()]
    assert files == ["codebook.yaml"]  # the history copy failed the same way; no temporary files are left


WRITER = """
import sys
sys.path.insert(0, {root!r})
from core.codebook.history import save_codebook
texts = [open({a!r}).read(), open({b!r}).read()]
print("ready", flush=True)
i = 0
while True:
    save_codebook({path!r}, texts[i % 2])
    i += 1
"""


@pytest.mark.parametrize("delay", [0.05, 0.13, 0.31])
def test_killing_a_process_mid_save_leaves_the_old_or_the_new_file_whole(codebook_path, tmp_path, delay):
    big_a = VALID + "".join(f"# padding line {i} {'a' * 60}\n" for i in range(20_000))  # ~1.7 MB: slow writes
    big_b = EDITED + "".join(f"# padding line {i} {'b' * 60}\n" for i in range(20_000))
    (tmp_path / "a.yaml").write_text(big_a)
    (tmp_path / "b.yaml").write_text(big_b)
    script = WRITER.format(root=str(ROOT), a=str(tmp_path / "a.yaml"), b=str(tmp_path / "b.yaml"),
                           path=str(codebook_path))
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    time.sleep(delay)
    writer.kill()
    writer.wait()
    assert codebook_path.read_text() in (VALID, big_a, big_b)
    for version in list_versions(codebook_path):
        assert version.text() in (VALID, big_a, big_b)


def test_the_history_writer_is_the_cache_writer():
    import core.codebook.history
    assert core.codebook.history.write_atomically is files.write_atomically
