"""The two interviews Themescope started from, as golden cases for the default codebook."""
import pytest
from support import SEEDS

from core import analyse


@pytest.fixture(scope="module")
def seeds(default_codebook, tmp_path_factory):
    return analyse([SEEDS], codebook=default_codebook, cache_dir=tmp_path_factory.mktemp("cache"))


def test_seeds_load_without_problems(seeds):
    assert set(seeds.transcripts["transcript_id"]) == {"work_0188", "work_0529"}
    assert seeds.report.problems == []


def test_it_engineer_is_it_software_with_it_terms_as_evidence(seeds):
    row = seeds.transcripts.set_index("transcript_id").loc["work_0188"]
    assert row["occupation"] == "it_software"
    evidence = row["occupation_evidence"].lower()
    assert any(term in evidence for term in ("it infrastructure", "powershell", "azure", "office 365"))


def test_vfx_coordinator_is_film_vfx_media(seeds):
    row = seeds.transcripts.set_index("transcript_id").loc["work_0529"]
    assert row["occupation"] == "film_vfx_media"


def test_encoding_damage_is_gone_from_every_quote(seeds):
    assert not seeds.hits["matched_text"].str.contains("â€").any()


def test_deprecated_feature_is_an_accuracy_hit(seeds):
    hits = seeds.hits[(seeds.hits["transcript_id"] == "work_0188") & (seeds.hits["theme"] == "accuracy_trust")]
    assert "deprecated" in set(hits["matched_text"].str.lower())
