"""AppTest: a file edited inside the data folder while the dashboard runs (a transcript fixed, a metadata table
corrected) shows in the numbers once the next check of the data is due, with a notice that they were rescored."""
import re
import sys
import time

import pytest
from support import DATA, edit_keeping_size_and_mtime, run_app

from dashboard.frame.loading import DATA_CHECK_ENV, data_check_interval

WORDS = {  # id -> participant's words; "worry" (tests/data/tiny_codebook.yaml) is in t1 only
    "t1": "I fear misinformation.",
    "t2": "My calendar is full of care.",
    "t3": "I schedule my art classes.",
}
REGIONS = "transcript_id,region\nt1,EU\nt2,EU\nt3,US\n"


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "data"
    (data / "interviews").mkdir(parents=True)
    for transcript_id, words in WORDS.items():
        (data / "interviews" / f"{transcript_id}.txt").write_text(f"Assistant: Tell me more.\n\nUser: {words}\n")
    (data / "metadata.csv").write_text(REGIONS)
    return data


@pytest.fixture
def open_overview(monkeypatch, tmp_path, folder):
    """open_overview(**query) -> an AppTest of the Overview on `folder`, checking the data on every run."""
    monkeypatch.setenv("THEMESCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv(DATA_CHECK_ENV, "0")
    monkeypatch.setattr(sys, "argv", ["app.py", "--data", str(folder), "--codebook", str(DATA / "tiny_codebook.yaml")])
    return lambda **query: run_app(**query)


def matching(at) -> int:
    line = next(m.value for m in at.sidebar.markdown if "transcripts match" in m.value)
    return int(re.search(r"\*\*([\d,]+)\*\*", line).group(1).replace(",", ""))


def rescored_notices(at) -> list[str]:
    return [notice.value for notice in at.info if "data changed on disk" in notice.value]


def test_a_transcript_edited_inside_the_folder_is_rescored_with_a_notice(open_overview, folder):
    at = open_overview(theme="worry")
    assert matching(at) == 1 and not rescored_notices(at)
    edit_keeping_size_and_mtime(folder / "interviews" / "t2.txt", "care", "fear")
    at.run()
    assert not at.exception, at.exception
    assert matching(at) == 2
    assert rescored_notices(at) == ["**The data changed on disk:** the numbers are rescored."]
    at.run()
    assert matching(at) == 2 and not rescored_notices(at)  # said once, on the run the numbers changed


def test_a_metadata_table_edited_inside_the_folder_is_read_again(open_overview, folder):
    at = open_overview(attr_region="EU")
    assert matching(at) == 2
    edit_keeping_size_and_mtime(folder / "metadata.csv", "t2,EU", "t2,US")
    at.run()
    assert not at.exception, at.exception
    assert matching(at) == 1 and rescored_notices(at)


def test_the_data_is_walked_again_only_once_the_check_interval_passed(open_overview, folder, monkeypatch):
    """One walk serves every run until the interval passes: a large folder is not walked on every rerun."""
    monkeypatch.setenv(DATA_CHECK_ENV, "3600")
    at = open_overview(theme="worry")
    edit_keeping_size_and_mtime(folder / "interviews" / "t2.txt", "care", "fear")
    at.run()
    assert matching(at) == 1 and not rescored_notices(at)  # within the interval: not looked at yet
    monkeypatch.setenv(DATA_CHECK_ENV, "0.2")
    time.sleep(0.3)
    at.run()
    assert matching(at) == 2 and rescored_notices(at)


def test_an_editors_scratch_file_in_the_folder_rescores_nothing(open_overview, folder):
    at = open_overview()
    (folder / "interviews" / ".t2.txt.swp").write_text("half-saved")
    (folder / "README.md").write_text("notes")
    at.run()
    assert not at.exception, at.exception
    assert matching(at) == 3 and not rescored_notices(at)


@pytest.mark.parametrize(("setting", "cost", "interval"), [
    (None, 0.003, 2.0),   # a small folder: the minimum
    (None, 2.1, 21.0),    # 80,000 files under load: ten times the walk, a tenth of a core at most
    ("0", 2.1, 0.0),      # set: on every run
    ("30", 0.003, 30.0),
    ("soon", 0.003, 2.0), ("nan", 0.003, 2.0), ("-1", 0.003, 2.0),  # a bad setting: the minimum
])
def test_the_check_interval_follows_the_walks_cost_unless_set(monkeypatch, setting, cost, interval):
    if setting is None:
        monkeypatch.delenv(DATA_CHECK_ENV, raising=False)
    else:
        monkeypatch.setenv(DATA_CHECK_ENV, setting)
    assert data_check_interval(cost) == pytest.approx(interval)
