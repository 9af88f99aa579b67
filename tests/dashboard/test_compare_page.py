"""The Compare groups page: two groups (or the view vs the rest), a verdict per theme, a table, a download."""
from __future__ import annotations

from support import run_app


def _texts(at, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]


def _comparison_download(at) -> list:
    return [b for b in at.get("download_button") if "comparison" in b.proto.label]


def _alerts(at) -> list[str]:
    return _texts(at, "info") + _texts(at, "warning")


def test_the_page_asks_for_group_a_first():
    at = run_app("compare")
    assert any("Choose the values of group A" in text for text in _alerts(at))
    assert not _comparison_download(at)


def test_an_occupation_against_everyone_else_gives_a_table_and_verdicts():
    at = run_app("compare")
    at.multiselect(key="cmp_a_occupation").set_value(["it_software"]).run()
    assert not at.exception, at.exception
    header = " ".join(_texts(at, "markdown"))
    assert "everyone else in view" in header and "transcripts)" in header
    table = at.dataframe[0].value
    assert {"Theme", "Share A", "Share B", "p (Holm)", "A per 1,000 words"} <= set(table.columns)
    assert len(table) == len(set(table["Theme"])) and "Coding & scripting" in set(table["Theme"])  # labels
    assert table["Differs"].dtype == bool
    assert _comparison_download(at)


def test_two_chosen_groups_leave_out_everyone_else_and_small_groups_are_flagged():
    at = run_app("compare")
    at.multiselect(key="cmp_a_occupation").set_value(["it_software"]).run()
    at.multiselect(key="cmp_b_occupation").set_value(["education"]).run()
    assert not at.exception, at.exception
    assert "it_software" not in at.multiselect(key="cmp_b_occupation").options  # the groups never overlap
    assert any("fewer than 20 transcripts" in text for text in _alerts(at))


def test_the_filtered_view_against_everyone_else():
    at = run_app("compare", occupation="it_software")
    at.radio(key="cmp_mode").set_value("The filtered view vs everyone else").run()
    assert not at.exception, at.exception
    assert "A: the filtered view" in " ".join(_texts(at, "markdown"))
    assert at.dataframe[0].value["Share A"].between(0, 1).all()


def test_an_attribute_column_compares_its_values():
    at = run_app("compare")
    at.selectbox(key="cmp_column").set_value("region").run()
    values = at.multiselect(key="cmp_a_region").options
    at.multiselect(key="cmp_a_region").set_value([values[0]]).run()
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) > 0
