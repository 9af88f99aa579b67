"""Who is using the dashboard and what they may do (core.access decides; this module reads Streamlit).

Sign-in is on when the secrets hold Streamlit's `[auth]` section (OpenID Connect: `st.login`, `st.user`,
`st.logout`); then an anonymous visitor sees only the sign-in screen, and a signed-in user gets the role
the roles file gives them (`--roles FILE`, default config/roles.yaml). Without `[auth]` there is one user
with every permission: the dashboard as it always was (`make run`).

The user comes from `st.user` and nothing else: no URL parameter, header or environment variable can name
one, so there is no back door. Tests set `AppTest.user` and `AppTest.secrets`, which Streamlit's test
harness feeds to `st.user` and `st.secrets` exactly as a signed-in session would.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import streamlit as st

from core.access import Access, Identity, RolesConfig, RolesError, access_for, load_roles_or_viewers, single_user
from core.access.roles import PERMISSIONS
from dashboard.frame import loading
from dashboard.frame.text import md_escape

DEFAULT_ROLES = loading.ROOT / "config" / "roles.yaml"
# Never shown a page (require_sign_in stops first); callbacks that ask get a viewer's permissions at most.
NOBODY = Access("viewer", PERMISSIONS["viewer"], Identity(name="not signed in"))


def roles_path(argv: list[str] | None = None) -> str:
    """`--roles FILE` after `streamlit run dashboard/app.py --`, as `themescope dashboard --roles` passes it."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--roles", default=str(DEFAULT_ROLES))
    return str(Path(parser.parse_known_args(sys.argv[1:] if argv is None else argv)[0].roles).resolve())


def login_configured() -> bool:
    """Whether sign-in is on: the secrets hold an `[auth]` section (what `st.login` reads)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all (StreamlitSecretNotFoundError): single-user mode
        return False


@st.cache_resource(show_spinner=False, max_entries=4)
def _roles(path: str, stamp: str) -> tuple[RolesConfig, RolesError | None]:
    return load_roles_or_viewers(path)


def roles_config() -> tuple[RolesConfig, RolesError | None]:
    """The roles file as it is now (re-read when its bytes change), or everyone-a-viewer and its error."""
    path = roles_path()
    return _roles(path, loading.file_version(path))


def _claims() -> dict:
    return st.user.to_dict()


def current_access() -> Access:
    """The user's role and permissions, on any run or callback: every permission without sign-in configured;
    `NOBODY` (a viewer's permissions) for an anonymous visitor."""
    if not login_configured():
        return single_user()
    claims = _claims()
    if not claims.get("is_logged_in"):
        return NOBODY
    config, _ = roles_config()
    return access_for(Identity.from_claims(claims, group_claim=config.group_claim), config)


def require_sign_in() -> Access:
    """Call before anything is drawn: an anonymous visitor (sign-in configured) sees only the sign-in
    screen and the run stops; anyone else's access is returned."""
    access = current_access()
    if access is NOBODY:
        st.title("Themescope")
        st.markdown("Sign in to see the interviews. Your organisation's sign-in decides who you are; the "
                    "dashboard's roles file decides what you may do.")
        st.button("Sign in", on_click=st.login, type="primary", icon=":material/login:", key="sign-in")
        st.stop()
    return access


def mask_when_not_allowed(view: dict, access: Access) -> None:
    """A viewer always sees quotes masked, whatever the link or the toggle says."""
    if not access.permissions.see_unmasked:
        view["redact"] = True


def account(access: Access) -> None:
    """The signed-in user, their role and Sign out (nothing in single-user mode); a broken roles file too."""
    if access.identity is None:
        return
    st.text(f"Signed in as {access.identity.display_name} ({access.role})")
    st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign-out")
    _, error = roles_config()
    if error is not None:
        hint = f" Fix: {md_escape(error.hint)}." if error.hint else ""
        st.warning(f"The roles file could not be used, so everyone is a viewer until it is fixed: "
                   f"{md_escape(error)}.{hint}",
                   icon=":material/shield:")
