"""Access: who may do what in a shared dashboard. The roles file (`config/roles.yaml`: emails and groups ->
roles, a default role for everyone else signed in), a signed-in identity -> its role -> its permissions, and
the single-user mode (every permission) used when no sign-in is configured. Plain data only: reading who is
signed in (Streamlit's `st.user`) is the dashboard's job (`dashboard/frame/identity.py`).

May import: `core.errors` only.
"""
from core.access.roles import (
    ROLES,
    Access,
    Identity,
    Permissions,
    RolesConfig,
    RolesError,
    access_for,
    load_roles,
    load_roles_or_viewers,
    parse_roles,
    single_user,
)

__all__ = ["ROLES", "Access", "Identity", "Permissions", "RolesConfig", "RolesError", "access_for", "load_roles",
           "load_roles_or_viewers", "parse_roles", "single_user"]
