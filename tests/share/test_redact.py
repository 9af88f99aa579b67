"""Redaction: what is masked, what must never be, and that masking keeps every offset (so highlights hold)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.share.redact import FILL, find_personal_details, mask_of, redact, redactor
from core.views.quotes import Span, highlight_html


@pytest.mark.parametrize("text, detail, kind", [
    ("Mail jane.doe@acme-corp.co.uk if needed.", "jane.doe@acme-corp.co.uk", "email"),
    ("Reach user+tag@gmail.com, thanks", "user+tag@gmail.com", "email"),
    ("Write to Zoë.Müller@uni-köln.de.", "Zoë.Müller@uni-köln.de", "email"),
    ("London office: +44 20 7946 0958.", "+44 20 7946 0958", "phone"),
    ("Paris: +33 1 23 45 67 89 after six", "+33 1 23 45 67 89", "phone"),
    ("mobile +4915112345678 any time", "+4915112345678", "phone"),
    ("US: +1 (555) 123-4567!", "+1 (555) 123-4567", "phone"),
    ("call (555) 123-4567 today", "(555) 123-4567", "phone"),
    ("toll free 1-800-555-0199.", "1-800-555-0199", "phone"),
    ("my cell is 555.123.4567", "555.123.4567", "phone"),
    ("UK mobile 07700 900123, evenings", "07700 900123", "phone"),
    ("See https://acme.org/team/jane?ref=1, it lists me.", "https://acme.org/team/jane?ref=1", "url"),
    ("the wiki (https://wiki.acme.io/Page_(v2)) says", "https://wiki.acme.io/Page_(v2)", "url"),
    ("go to www.example.com. Then log in", "www.example.com", "url"),
    ("my code is on github.com/jdoe/tools).", "github.com/jdoe/tools", "url"),
    ("I post as @jdoe_42 mostly.", "@jdoe_42", "handle"),
    ("on Mastodon @jane@mastodon.social too", "@jane@mastodon.social", "handle"),
])
def test_personal_details_are_found_and_masked(text, detail, kind):
    found = find_personal_details(text)
    assert [(text[d.start:d.end], d.kind) for d in found] == [(detail, kind)]
    masked = redact(text)
    assert detail not in masked and len(masked) == len(text)
    assert masked.replace(mask_of(kind, len(detail)), detail) == text


@pytest.mark.parametrize("text", [
    "We moved to Python 3.11.4 and Node.js 20, see README.md and setup.py.",
    "It shipped on 2024-03-15, or 15.03.2024, or 03/15/2024, at 10:30 or 9:05pm.",
    "Accuracy went up 45%, then +5% and -12%; 1,250,000 words; 0.5 s; 3.5x faster.",
    "Email me @ work, or meet @3pm, or @10am on Monday.",
    "The years 2019-2021, pages 100-2000, scores 10 20 30 40, ISBN 978-3-16-148410-0.",
    "e.g. this, i.e. that, Mr. Smith, U.S. rules, a 1:2 ratio, 4/5 stars, issue #42.",
    "The IP 192.168.1.1 and version v2.0.1-beta, port 8501.",
])
def test_look_alikes_are_never_masked(text):
    assert find_personal_details(text) == []
    assert redact(text) == text


def test_masks_name_their_kind_when_they_fit():
    assert mask_of("email", 10) == "[email]" + FILL * 3
    assert mask_of("handle", 5) == FILL * 5


def test_a_url_holding_an_email_is_one_detail():
    text = "see https://acme.org/?to=jane@acme.org now"
    assert [d.kind for d in find_personal_details(text)] == ["url"]


def test_redactor_switches_masking_on_and_off():
    text = "mail jane@acme.org"
    assert redactor(False)(text) == text and redactor(True)(text) == redact(text) != text


def test_highlight_offsets_still_point_at_the_same_words():
    text = "Call +44 20 7946 0958 or mail jane@acme.org, I double check everything."
    start = text.index("double check")
    span = Span(start, start + len("double check"), "#ff0", "accuracy")
    masked = redact(text)
    assert masked[span.start:span.end] == "double check"
    shown = highlight_html(masked, [span])
    assert '<mark style="background:#ff0" title="accuracy">double check</mark>' in shown
    assert "jane@acme.org" not in shown and "7946" not in shown


@given(st.lists(st.sampled_from(["jane@acme.org", "+44 20 7946 0958", "https://x.io/a", "@jdoe", " ", "word",
                                 "3.11", "2024-03-15", "45%", "@ ", ".", "\n", "(555) 123-4567", "é"]),
                max_size=12))
def test_masking_keeps_length_and_everything_outside_the_details(parts):
    text = "".join(parts)
    masked = redact(text)
    assert len(masked) == len(text)
    details = find_personal_details(text)
    inside = {i for d in details for i in range(d.start, d.end)}
    assert all(masked[i] == text[i] for i in range(len(text)) if i not in inside)
    assert all(d.start < d.end for d in details)
    assert all(a.end <= b.start for a, b in zip(details, details[1:]))
