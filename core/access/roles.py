"""Roles: the roles file, a signed-in identity -> its role, a role -> what it may do.

    config = load_roles("config/roles.yaml")
    access = access_for(Identity(email="ben@example.org", groups=("coders",)), config)
    access.role, access.permissions.hand_code    # ('coder', True)

The roles file (YAML, every key optional):

    default: viewer            # the role of a signed-in user the file does not list
    group_claim: groups        # the sign-in claim that lists a user's groups
    emails:
      ana@example.org: admin
    groups:
      research-team: editor

When an email and groups give several roles, the strongest wins. With no sign-in configured there is one
user, who may do everything (`single_user`); with sign-in configured and the roles file broken, use
`load_roles_or_viewers`: everyone is a viewer until the file is fixed.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import yaml

from core.errors import Problem, ThemescopeError

ROLES = ("viewer", "coder", "editor", "admin")  # weakest first
DEFAULT_ROLE = "viewer"
KEYS = ("default", "group_claim", "emails", "groups")
MAX_ROLES_BYTES = 1_000_000
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RolesError(ThemescopeError):
    """A roles file that cannot be used: the message names the file and line, the hint says how to fix it."""


@dataclass(frozen=True)
class Permissions:
    """What a role may do beyond browsing and exporting (which every role may)."""

    see_unmasked: bool  # quotes unmasked on screen and in downloaded files (else masking is forced)
    hand_code: bool  # mark quotes, transcripts and missed passages, under their own coder name
    edit_codebook: bool  # save the codebook and restore earlier versions


PERMISSIONS = {
    "viewer": Permissions(see_unmasked=False, hand_code=False, edit_codebook=False),
    "coder": Permissions(see_unmasked=True, hand_code=True, edit_codebook=False),
    "editor": Permissions(see_unmasked=True, hand_code=True, edit_codebook=True),
    "admin": Permissions(see_unmasked=True, hand_code=True, edit_codebook=True),
}


@dataclass(frozen=True)
class Identity:
    """Who signed in, from the claims of their sign-in (OpenID Connect ID token)."""

    email: str | None = None
    name: str | None = None
    subject: str | None = None
    groups: tuple[str, ...] = ()

    @classmethod
    def from_claims(cls, claims: Mapping, *, group_claim: str = "groups") -> Identity:
        """The identity in a claims mapping; the groups claim may be a list or one string.

        >>> Identity.from_claims({"email": "Ana@Example.org", "sub": "42", "groups": "team"}).groups
        ('team',)
        """
        groups = claims.get(group_claim) or ()
        groups = (groups,) if isinstance(groups, str) else tuple(str(g) for g in groups if g is not None)
        return cls(_text(claims.get("email")), _text(claims.get("name")), _text(claims.get("sub")), groups)

    @property
    def display_name(self) -> str:
        """The name a coder's marks carry: the email, else the name, else the subject."""
        return self.email or self.name or self.subject or "signed-in user"


def _text(value) -> str | None:
    return str(value).strip() or None if value is not None else None


@dataclass(frozen=True)
class Access:
    """A user's role and what it permits; `identity` is None in single-user mode (no sign-in configured)."""

    role: str
    permissions: Permissions
    identity: Identity | None = None

    @property
    def coder(self) -> str | None:
        """The coder name marks are saved under: the identity, or None in single-user mode (the labels
        file's own coder name is kept then)."""
        return self.identity.display_name if self.identity else None


@dataclass(frozen=True)
class RolesConfig:
    """A validated roles file: emails (lower case) and groups -> role, and the default role."""

    source: str = "<no roles file>"
    default: str = DEFAULT_ROLE
    group_claim: str = "groups"
    emails: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)

    def role_of(self, identity: Identity) -> str:
        """The strongest role the identity's email or groups are given, else the default.

        >>> RolesConfig(emails={"ana@x.org": "coder"}, groups={"leads": "editor"}).role_of(
        ...     Identity(email="ANA@x.org", groups=("leads",)))
        'editor'
        """
        found = [self.emails.get(identity.email.lower())] if identity.email else []
        found += [self.groups.get(group) for group in identity.groups]
        given = [role for role in found if role]
        return max(given, key=ROLES.index) if given else self.default


def single_user() -> Access:
    """No sign-in configured: the one user may do everything (the dashboard as it always was)."""
    return Access("admin", PERMISSIONS["admin"])


def access_for(identity: Identity, config: RolesConfig) -> Access:
    role = config.role_of(identity)
    return Access(role, PERMISSIONS[role], identity)


# ---------------------------------------------------------------- reading the file
def load_roles(path: str | Path) -> RolesConfig:
    """The roles file, validated; RolesError naming the file (and line) otherwise."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RolesError(f"{source}: cannot read the roles file ({exc.strerror or exc})",
                         hint="create it (see config/roles.yaml for the format) or pass another with --roles") \
            from None
    if len(raw) > MAX_ROLES_BYTES:
        raise RolesError(f"{source}: the file is {len(raw):,} bytes, over the {MAX_ROLES_BYTES:,}-byte limit",
                         hint="a roles file lists emails and groups: check it is the right file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RolesError(f"{source}: the file is not UTF-8 text", hint="save it as UTF-8") from None
    return parse_roles(text, source=source)


def load_roles_or_viewers(path: str | Path) -> tuple[RolesConfig, RolesError | None]:
    """The roles file, or, when it cannot be used, a configuration that makes everyone a viewer (a broken
    file must never give anyone more) and the error to show."""
    try:
        return load_roles(path), None
    except RolesError as error:
        return RolesConfig(source=str(path)), error


def parse_roles(text: str, *, source: str = "<string>") -> RolesConfig:
    """A RolesConfig from the YAML text of a roles file; an empty file (or only comments) is the defaults.

    >>> parse_roles("default: coder\\ngroups: {team: editor}").role_of(Identity(groups=("team",)))
    'editor'
    """
    root = _compose(text, source)
    if root is None:
        return RolesConfig(source=source)
    values: dict = {}
    for key, value in root.value:
        if key.value not in KEYS:
            _fail(source, key, f"unknown key `{key.value}`", f"use only {', '.join(KEYS)}")
        values[key.value] = value
    default = _role(values["default"], source) if "default" in values else DEFAULT_ROLE
    group_claim = _scalar(values["group_claim"], source, "group_claim") if "group_claim" in values else "groups"
    emails = _assignments(values.get("emails"), source, "emails", str.lower)
    groups = _assignments(values.get("groups"), source, "groups", str)
    return RolesConfig(source, default, group_claim, emails, groups)


def _compose(text: str, source: str) -> yaml.MappingNode | None:
    try:
        root = yaml.compose(text, Loader=YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RolesError(str(Problem(source, f"YAML syntax: {exc.problem or 'invalid YAML'}", line=line)),
                         hint="check the indentation and the colons near that line") from None
    except yaml.YAMLError as exc:
        raise RolesError(f"{source}: YAML error: {exc}", hint="check the YAML syntax") from None
    if root is None or (isinstance(root, yaml.ScalarNode) and root.value == ""):
        return None
    if not isinstance(root, yaml.MappingNode):
        _fail(source, root, "the roles file must be a mapping (default, group_claim, emails, groups)",
              "start from the example in config/roles.yaml")
    return root


def _assignments(node, source: str, section: str, normalise) -> dict[str, str]:
    """A section of name -> role lines; a name listed twice is an error (which line would win is unclear)."""
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")):
        return {}
    if not isinstance(node, yaml.MappingNode):
        _fail(source, node, f"`{section}` must be a mapping of name: role", f"write `{section}:` then lines "
              "like `  ana@example.org: coder`, indented")
    found: dict[str, str] = {}
    lines: dict[str, int] = {}
    for key, value in node.value:
        name = normalise(_scalar(key, source, section))
        if name in found:
            _fail(source, key, f"`{key.value}` is listed twice under `{section}` (also line {lines[name]})",
                  "keep one line per name")
        found[name], lines[name] = _role(value, source), key.start_mark.line + 1
    return found


def _role(node, source: str) -> str:
    role = _scalar(node, source, "role")
    if role not in ROLES:
        _fail(source, node, f"unknown role `{role}`", f"use one of {', '.join(ROLES)}")
    return role


def _scalar(node, source: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
        _fail(source, node, f"a {what} must be a single word or address", "write one value, not a list or mapping")
    return node.value.strip()


def _fail(source: str, node: yaml.Node, message: str, hint: str) -> NoReturn:
    raise RolesError(str(Problem(source, message, line=node.start_mark.line + 1, column=node.start_mark.column + 1)),
                     hint=hint)
