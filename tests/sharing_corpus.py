"""A tiny corpus with personal details and markup in its quotes, for the sharing tests (exports, report,
dashboard toolbar); scored with tests/data/tiny_codebook.yaml. All of it is made up."""
from __future__ import annotations

from pathlib import Path

from support import DATA

WORDS = {  # id -> participant's words
    "it_1": "I'm a sysadmin and I double check every script, mail me at jane.doe@acme.org. "
            "My calendar is full, call +44 20 7946 0958 to book.",
    "it_2": "Sysadmin here. I schedule backups and I double check logs on https://intranet.acme.org/logs daily.",
    "it_3": "I work as a sysadmin. Version 3.11.4 shipped on 2024-03-15 at 10:30, 45% faster. "
            "Email me @ work or write to calendar@acme.org.",
    "edu_1": "I am a teacher. In the classroom I fear <script>alert('x')</script> tricks and I double check "
             "every answer.",
    "edu_2": "Teacher here. I fear misinformation from @fake_news_bot and =HYPERLINK(\"http://x\") cells.",
}
REGIONS = {"it_1": "EU", "it_2": "Asia", "it_3": "EU", "edu_1": "EU", "edu_2": "Asia"}
CODEBOOK = DATA / "tiny_codebook.yaml"


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for transcript_id, words in WORDS.items():
        (folder / f"{transcript_id}.txt").write_text(f"Assistant: Tell me about your work.\n\nUser: {words}\n")
    (folder / "metadata.csv").write_text("transcript_id,region\n" + "".join(f"{k},{v}\n" for k, v in REGIONS.items()))
    return folder


def analysed(folder: Path, cache_dir: Path):
    """The corpus in `folder` scored with CODEBOOK, and its prepared view data: (analysis, data)."""
    from core import analyse, load_codebook
    from core.views.filters import prepare

    analysis = analyse([folder], codebook=load_codebook(CODEBOOK), cache_dir=cache_dir)
    return analysis, prepare(analysis.transcripts, analysis.themes, analysis.hits, analysis.codebook.theme_ids)
