"""Saves never overwrite someone else's: save_codebook(expected=hash of the text the edit began from) is a
compare-and-swap under the file's lock, so of several saves begun from one text exactly one lands and the
others get a conflict with the three texts; an outside edit is never overwritten by a save begun before it."""
import threading
from concurrent.futures import ThreadPoolExecutor

from workbench_data import CODEBOOK

from core.codebook.history import current_text, list_versions, restore_version, save_codebook, text_hash

BASE = CODEBOOK.read_text()


def edited(n: int) -> str:
    return BASE.replace('version: "w1"', f'version: "w{n + 2}"')


def test_of_8_saves_begun_from_one_text_exactly_one_lands(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(BASE)
    start = threading.Barrier(8)

    def save(n):
        start.wait()
        return save_codebook(path, edited(n), expected=text_hash(BASE), base_text=BASE)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(save, range(8)))
    saved = [n for n, result in enumerate(results) if result.saved]
    assert len(saved) == 1
    winner = edited(saved[0])
    assert path.read_text() == winner
    for n, result in enumerate(results):
        if n != saved[0]:
            assert result.conflict.yours == edited(n)
            assert result.conflict.theirs == winner
            assert result.conflict.base == BASE
            assert "someone else saved this codebook" in result.problems[0].message
    assert [v.text() for v in list_versions(path)] == [BASE]  # only the one real save kept a version


def test_an_outside_edit_is_never_overwritten_by_a_save_begun_before_it(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(BASE)
    outside = BASE.replace("threshold: 88", "threshold: 90")
    path.write_text(outside)
    result = save_codebook(path, edited(0), expected=text_hash(BASE), base_text=BASE)
    assert not result.saved and result.path == path and result.codebook is None
    assert result.conflict.theirs == outside and result.conflict.yours == edited(0)
    assert path.read_text() == outside and not list_versions(path)


def test_saving_over_theirs_on_purpose_keeps_theirs_in_history(tmp_path):
    path = tmp_path / "codebook.yaml"
    theirs = BASE.replace("threshold: 88", "threshold: 90")
    path.write_text(theirs)
    result = save_codebook(path, edited(0), expected=text_hash(theirs))
    assert result.saved and path.read_text() == edited(0)
    assert [v.text() for v in list_versions(path)] == [theirs]


def test_without_expected_a_save_behaves_as_before(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(BASE.replace("threshold: 88", "threshold: 90"))
    assert save_codebook(path, edited(0)).saved and path.read_text() == edited(0)


def test_the_same_text_saved_twice_is_no_conflict(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(edited(0))
    result = save_codebook(path, edited(0), expected=text_hash(BASE))
    assert result.saved and result.conflict is None


def test_a_restore_over_a_newer_save_is_refused(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(BASE)
    save_codebook(path, edited(0))
    version = list_versions(path)[0]
    path.write_text(edited(1))  # someone saved after the page last read the file
    result = restore_version(path, version, expected=text_hash(edited(0)))
    assert not result.saved and result.conflict.theirs == edited(1) and path.read_text() == edited(1)
    assert restore_version(path, version, expected=text_hash(edited(1))).saved
    assert path.read_text() == BASE


def test_the_expected_hash_ignores_line_ends_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.replace("\n", "\r\n").encode())
    assert current_text(path) == BASE
    assert save_codebook(path, edited(0), expected=text_hash(BASE)).saved


def test_an_invalid_text_goes_to_the_draft_whatever_the_file_holds(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(edited(1))
    result = save_codebook(path, BASE.replace("threshold: 88", "treshold: 88"), expected=text_hash(BASE))
    assert not result.saved and result.conflict is None and result.path.name == "codebook.draft.yaml"
    assert path.read_text() == edited(1)
