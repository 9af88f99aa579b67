"""Writes rev_ux_designer.docx, the shipped SYNTHETIC Word transcript (Rev style: "Name (hh:mm:ss):" above
each turn). The .docx is kept in the repository too, so the default run needs no build step; run this script
(`.venv/bin/python data/formats/make_docx.py`) after editing the interview below.

Everyone in it is invented; no real person was interviewed.
"""
from pathlib import Path

import docx

NOTE = ("SYNTHETIC interview written for the Themescope demo (a Rev-style Word transcript): Grace Liu and "
        "Sofia Marino are invented people; no real person was interviewed.")
TURNS = [
    ("Grace Liu", "00:00:04", "Thank you for talking with me. What do you do?"),
    ("Sofia Marino", "00:00:09", "I'm a UX designer at a travel booking startup. I design the checkout and "
                                 "the mobile app screens."),
    ("Grace Liu", "00:00:20", "Which AI tools do you use, and what for?"),
    ("Sofia Marino", "00:00:25", "Mostly image generators for mood boards and a chatbot to brainstorm "
                                 "copy for buttons and error messages."),
    ("Sofia Marino", "00:00:38", "I go back and forth with it: I give feedback, it gives me ten more "
                                 "variations, and I refine the prompt until something feels right."),
    ("Grace Liu", "00:00:55", "Has it changed how much time things take?"),
    ("Sofia Marino", "00:01:00", "Mood boards that took an afternoon now take twenty minutes. But the real "
                                 "design work, talking to users, is still mine."),
    ("Grace Liu", "00:01:15", "Is there anything that worries you about it?"),
    ("Sofia Marino", "00:01:20", "Junior designers. If the generator does all the sketching, I'm not sure "
                                 "how they will learn the craft, and there may be fewer entry-level jobs."),
]


def write(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Interview transcript", level=1)
    document.add_paragraph(NOTE)
    for speaker, time, words in TURNS:
        document.add_paragraph(f"{speaker} ({time}):")
        document.add_paragraph(words)
    document.save(path)


if __name__ == "__main__":
    write(Path(__file__).with_name("rev_ux_designer.docx"))
