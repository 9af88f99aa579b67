"""AppTest: roles in the dashboard. Without sign-in configured there is one user who may do everything; with it,
an anonymous visitor sees only the sign-in screen, a viewer sees masked quotes and no editing, a coder marks
under their own name, an editor saves the codebook, and a broken roles file makes everyone a viewer.

Sign-in is simulated the way Streamlit's test harness intends: `AppTest.secrets` holds the `[auth]` section
(so sign-in is on) and `AppTest.user` is what `st.user` returns; the app has no other way to learn a user."""
import shutil
import sys

import pytest
import yaml
from sharing_corpus import CODEBOOK, write_corpus
from support import run_app

AUTH = {"auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
                 "client_id": "themescope", "client_secret": "secret",
                 "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}
ROLES = """\
default: viewer
emails:
  Cora@Example.org: coder
  ada@example.org: admin
groups:
  research-team: editor
"""
EMAIL_IN_QUOTES = "jane.doe@acme.org"  # a personal detail in the sharing corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("roles") / "transcripts")


@pytest.fixture
def book(tmp_path):
    """A copy of the codebook (saves and labels land beside it, never in the repository) and the roles file."""
    folder = tmp_path / "book"
    folder.mkdir()
    shutil.copy(CODEBOOK, folder / "codebook.yaml")
    (folder / "roles.yaml").write_text(ROLES)
    return folder


@pytest.fixture
def open_as(monkeypatch, tmp_path, corpus, book):
    """open_as(user, page, **query) -> an AppTest that has run `page` for that user. `user` None: no sign-in
    configured (single-user mode); a dict: sign-in configured and `st.user` is that dict."""

    monkeypatch.setenv("THEMESCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "argv", ["app.py", "--data", str(corpus), "--codebook", str(book / "codebook.yaml"),
                                      "--roles", str(book / "roles.yaml")])

    def run(user, page="overview", **query):
        return run_app(page, secrets=AUTH if user is not None else None, user=user, **query)
    return run


def signed_in(email, **claims):
    return {"is_logged_in": True, "email": email, "sub": email, **claims}


def html_of(at) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


def keys(at, kind: str) -> set[str]:
    return {widget.key for widget in at.get(kind) if widget.key}


def quote_marks(at) -> list:
    return [g for g in at.button_group if g.key.startswith("qm-")]


# ---------------------------------------------------------------- single-user mode: as it always was
def test_without_sign_in_configured_one_user_may_do_everything(open_as):
    at = open_as(None, "quotes", sel_theme="accuracy")
    assert EMAIL_IN_QUOTES in html_of(at)
    assert not at.toggle(key="w_redact").disabled and quote_marks(at)
    assert "sign-in" not in keys(at, "button") and "sign-out" not in keys(at, "button")
    at.switch_page("pages/codebook.py").run()
    assert "cb-save" in keys(at, "button") and at.text_area(key="cb_editor").value


# ---------------------------------------------------------------- sign-in configured
def test_an_anonymous_visitor_sees_only_the_sign_in_screen(open_as):
    at = open_as({"is_logged_in": False}, "overview", sel_theme="accuracy")
    assert "sign-in" in keys(at, "button")
    assert not html_of(at) and not at.sidebar.markdown and not at.toggle
    assert all("transcripts" not in m.value for m in at.markdown)


@pytest.mark.parametrize("query", [{}, {"redact": "0"}, {"present": "1", "redact": "0"}])
def test_a_viewer_always_sees_masked_quotes_whatever_the_link_says(open_as, query):
    at = open_as(signed_in("val@example.org"), "quotes", sel_theme="accuracy", **query)
    shown = html_of(at)
    assert EMAIL_IN_QUOTES not in shown and "[email]" in shown
    assert at.toggle(key="w_redact").value is True and at.toggle(key="w_redact").disabled


def test_a_viewers_exports_are_always_masked(open_as):
    at = open_as(signed_in("val@example.org"), "quotes")
    toggle = at.toggle(key="export_redact")
    assert toggle.value is True and toggle.disabled


def test_a_viewer_cannot_mark_or_edit(open_as, book):
    at = open_as(signed_in("val@example.org"), "quotes", sel_theme="accuracy")
    assert not quote_marks(at)
    assert any(t.value == "Signed in as val@example.org (viewer)" for t in at.sidebar.text)
    at.switch_page("pages/transcript.py").run()
    assert not at.get("form") and not any(e.label.startswith("Your hand coding") for e in at.expander)
    at.switch_page("pages/codebook.py").run()
    assert not at.exception, at.exception
    assert "cb-save" not in keys(at, "button") and "cb-version-restore" not in keys(at, "button")
    assert any("Your role (viewer) may read the codebook" in i.value for i in at.info)
    assert not (book / "labels.yaml").exists()


def test_a_coder_marks_under_their_own_name_and_sees_quotes_unmasked(open_as, book):
    at = open_as(signed_in("cora@example.org"), "quotes", sel_theme="accuracy")
    assert EMAIL_IN_QUOTES in html_of(at) and not at.toggle(key="w_redact").disabled
    quote_marks(at)[0].set_value(True).run()
    assert not at.exception, at.exception
    labels = yaml.safe_load((book / "labels.cora@example.org.yaml").read_text())
    assert labels["coder"] == "cora@example.org"
    assert [(q["theme"], q["correct"]) for q in labels["quotes"]] == [("accuracy", True)]
    assert not (book / "labels.yaml").exists()  # nobody's shared file, nobody else's name
    at.switch_page("pages/codebook.py").run()
    assert "cb-save" not in keys(at, "button")


def test_an_editor_by_group_saves_the_codebook(open_as, book):
    at = open_as(signed_in("eve@example.org", groups=["research-team"]), "codebook")
    area = at.text_area(key="cb_editor")
    area.input(area.value.replace("threshold: 88", "threshold: 90", 1)).run()
    at.button(key="cb-save").click().run()
    assert not at.exception, at.exception
    assert "threshold: 90" in (book / "codebook.yaml").read_text()


def test_a_broken_roles_file_makes_everyone_a_viewer_and_says_where(open_as, book):
    (book / "roles.yaml").write_text("emails:\n  ada@example.org: admin\n  bob@example.org: superuser\n")
    at = open_as(signed_in("ada@example.org"), "quotes", sel_theme="accuracy")
    assert EMAIL_IN_QUOTES not in html_of(at) and not quote_marks(at)
    warning = " ".join(w.value for w in at.sidebar.warning)
    assert "everyone is a viewer" in warning and "roles.yaml:3" in warning and "superuser" in warning
    assert any(t.value == "Signed in as ada@example.org (viewer)" for t in at.sidebar.text)


def _terms_tab(at) -> str:
    at.session_state["cb-tab"] = "Terms"
    at.run()
    assert not at.exception, at.exception
    return " ".join(m.value for m in at.markdown)


def test_only_an_editor_gets_the_one_click_codebook_edits(open_as):
    """A coder reads the Terms tab but gets no control that would put an edit in the editor."""
    offer = "Add a variant to a term's allow or deny list"
    assert offer in _terms_tab(open_as(signed_in("eve@example.org", groups=["research-team"]), "codebook"))
    coder = _terms_tab(open_as(signed_in("cora@example.org"), "codebook"))
    assert "**Terms**" in coder and offer not in coder
