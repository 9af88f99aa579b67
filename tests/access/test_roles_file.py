"""The roles file: parsing, errors naming file and line, email/group -> role, role -> permissions."""
import pytest
from support import ROOT

from core.access import (
    ROLES,
    Identity,
    RolesError,
    access_for,
    load_roles,
    load_roles_or_viewers,
    parse_roles,
    single_user,
)
from core.errors import ThemescopeError

EXAMPLE = """\
default: coder
group_claim: roles
emails:
  Ana@Example.org: admin
  ben@example.org: viewer
groups:
  research-team: editor
  coders: coder
"""


def role(config, **identity) -> str:
    return access_for(Identity(**identity), config).role


def test_emails_and_groups_give_roles_and_the_strongest_wins():
    config = parse_roles(EXAMPLE)
    assert role(config, email="ana@example.org") == "admin"  # emails compare without case
    assert role(config, email="BEN@example.org") == "viewer"
    assert role(config, email="ben@example.org", groups=("research-team",)) == "editor"
    assert role(config, email="nobody@example.org") == "coder"  # the file's default
    assert role(config, groups=("coders", "unknown")) == "coder"


def test_an_empty_or_comment_only_file_makes_signed_in_users_viewers():
    for text in ("", "# nothing yet\n", "emails:\ngroups:\n"):
        assert role(parse_roles(text), email="x@example.org") == "viewer"


def test_the_shipped_example_parses_and_lists_nobody():
    config = load_roles(ROOT / "config" / "roles.yaml")
    assert config.default == "viewer" and not config.emails and not config.groups


def test_the_groups_claim_is_read_by_its_configured_name():
    config = parse_roles(EXAMPLE)
    identity = Identity.from_claims({"email": "z@example.org", "roles": ["research-team"], "groups": ["coders"]},
                                    group_claim=config.group_claim)
    assert identity.groups == ("research-team",) and access_for(identity, config).role == "editor"


@pytest.mark.parametrize(("claims", "name"), [
    ({"email": "a@x.org", "name": "Ann", "sub": "1"}, "a@x.org"),
    ({"name": "Ann", "sub": "1"}, "Ann"),
    ({"sub": "1"}, "1"),
])
def test_a_coder_is_named_by_email_else_name_else_subject(claims, name):
    access = access_for(Identity.from_claims(claims), parse_roles("default: coder"))
    assert access.coder == name and access.permissions.hand_code


def test_what_each_role_may_do():
    may = {r: access_for(Identity(email="u@x.org"), parse_roles(f"default: {r}")).permissions for r in ROLES}
    assert [(p.see_unmasked, p.hand_code, p.edit_codebook) for p in may.values()] == [
        (False, False, False), (True, True, False), (True, True, True), (True, True, True)]


def test_single_user_mode_may_do_everything_and_keeps_the_labels_files_own_coder_name():
    access = single_user()
    assert access.role == "admin" and access.coder is None and access.identity is None
    assert access.permissions.see_unmasked and access.permissions.hand_code and access.permissions.edit_codebook


@pytest.mark.parametrize(("text", "line", "words", "hint"), [
    ("default: viewer\nemails:\n  a@x.org: boss\n", 3, "unknown role `boss`", "viewer, coder, editor, admin"),
    ("default: superuser\n", 1, "unknown role `superuser`", "viewer"),
    ("default: viewer\nadmins: [a@x.org]\n", 2, "unknown key `admins`", "default, group_claim, emails, groups"),
    ("emails:\n  - a@x.org\n", 2, "`emails` must be a mapping", "ana@example.org: coder"),
    ("emails:\n  a@x.org: coder\n  A@X.org: admin\n", 3, "listed twice under `emails` (also line 2)", "one line"),
    ("groups:\n  team: [coder]\n", 2, "a role must be a single word", "one value"),
    ("emails:\n  a@x.org: coder\n b@x.org: admin\n", 3, "YAML syntax", "indentation"),
    ("- viewer\n", 1, "must be a mapping", "config/roles.yaml"),
])
def test_a_malformed_file_names_the_file_and_line_and_says_how_to_fix_it(text, line, words, hint):
    with pytest.raises(RolesError) as raised:
        parse_roles(text, source="deploy/roles.yaml")
    assert isinstance(raised.value, ThemescopeError)
    assert str(raised.value).startswith(f"deploy/roles.yaml:{line}")
    assert words in str(raised.value) and hint in raised.value.hint


def test_a_missing_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(RolesError, match="missing.yaml: cannot read the roles file") as raised:
        load_roles(tmp_path / "missing.yaml")
    assert "--roles" in raised.value.hint


def test_a_broken_file_gives_nobody_more_than_viewer(tmp_path):
    path = tmp_path / "roles.yaml"
    path.write_text("default: editor\nemails:\n  ana@example.org: admin\ngroups: [oops\n")
    config, error = load_roles_or_viewers(path)
    assert isinstance(error, RolesError) and str(error).startswith(str(path))
    assert role(config, email="ana@example.org", groups=("x",)) == "viewer"
    assert load_roles_or_viewers(tmp_path / "nowhere.yaml")[0].default == "viewer"


def test_a_file_that_is_not_utf8_is_an_error(tmp_path):
    path = tmp_path / "roles.yaml"
    path.write_bytes(b"default: viewer\n# caf\xe9\n")
    with pytest.raises(RolesError, match="not UTF-8"):
        load_roles(path)
