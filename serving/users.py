"""Service users and their API tokens. Tokens are shown once and only their SHA-256 is stored.

A user is a member of staff with a login name (never a family member), one role and, for
practitioners, the borough whose families they may see.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from serving.db import Database, utc_now
from serving.errors import UserAdminError

ROLES = ("practitioner", "analyst", "evaluator", "admin")
# Roles that may be limited to one borough; practitioners must be.
SCOPABLE_ROLES = ("practitioner", "analyst")
TOKEN_PREFIX = "ot_"
_NAME_RULE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
_BOROUGH_RULE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
DEMO_BOROUGH = "LBHF"


@dataclass(frozen=True)
class User:
    """One member of staff who may use the service."""

    id: int
    name: str
    role: str
    borough: str | None
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        """True while the user's token has not been revoked."""
        return self.revoked_at is None


def new_token() -> str:
    """A fresh random API token (256 bits of randomness)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of `token` (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _row_to_user(row) -> User:
    return User(row["id"], row["name"], row["role"], row["borough"], row["created_at"], row["revoked_at"])


def _check_new_user(name: str, role: str, borough: str | None) -> None:
    if not _NAME_RULE.match(name):
        raise UserAdminError(
            f"user name {name!r} is not a valid login: use 2-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    if role not in ROLES:
        raise UserAdminError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "practitioner" and not borough:
        raise UserAdminError(
            "role practitioner needs --borough: practitioners see only one borough's families"
        )
    if borough is not None:
        if role not in SCOPABLE_ROLES:
            raise UserAdminError(f"--borough applies only to roles {', '.join(SCOPABLE_ROLES)}, not {role}")
        if not _BOROUGH_RULE.match(borough):
            raise UserAdminError(f"borough {borough!r} must be an upper-case code such as LBHF, RBKC or WCC")


def add_user(db: Database, name: str, role: str, borough: str | None = None) -> tuple[User, str]:
    """Create a user and return it with its token (the only time the token is available)."""
    _check_new_user(name, role, borough)
    token = new_token()
    with db.transaction() as conn:
        if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise UserAdminError(f"user {name!r} already exists; revoke it or choose another name")
        cur = conn.execute(
            "INSERT INTO users (name, role, borough, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, role, borough, hash_token(token), utc_now()),
        )
        row = conn.execute("SELECT * FROM users WHERE id = ?", (cur.lastrowid,)).fetchone()
    return _row_to_user(row), token


def list_users(db: Database) -> list[User]:
    """Every user, active or revoked, by name."""
    rows = db.connection().execute("SELECT * FROM users ORDER BY name").fetchall()
    return [_row_to_user(r) for r in rows]


def get_user(db: Database, name: str) -> User:
    """The user called `name` (UserAdminError if there is none)."""
    row = db.connection().execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise UserAdminError(f"no user called {name!r}; see `ontrack users list`")
    return _row_to_user(row)


def revoke_user(db: Database, name: str) -> User:
    """Revoke `name`'s token and end their web sessions; the user row stays for the access log."""
    user = get_user(db, name)
    if not user.active:
        raise UserAdminError(f"user {name!r} was already revoked at {user.revoked_at}")
    with db.transaction() as conn:
        conn.execute("UPDATE users SET revoked_at = ? WHERE id = ?", (utc_now(), user.id))
        conn.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))
    return get_user(db, name)


def reissue_token(db: Database, name: str) -> tuple[User, str]:
    """Give an active user a new token (the old one stops working) and return it."""
    user = get_user(db, name)
    if not user.active:
        raise UserAdminError(f"user {name!r} is revoked; add a new user instead")
    token = new_token()
    with db.transaction() as conn:
        conn.execute("UPDATE users SET token_hash = ? WHERE id = ?", (hash_token(token), user.id))
        conn.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))
    return user, token


def user_for_token(db: Database, token: str) -> User | None:
    """The active user holding `token`, or None."""
    row = (
        db.connection()
        .execute("SELECT * FROM users WHERE token_hash = ? AND revoked_at IS NULL", (hash_token(token),))
        .fetchone()
    )
    return _row_to_user(row) if row else None


def create_demo_users(db: Database, borough: str = DEMO_BOROUGH) -> list[tuple[User, str]]:
    """One demo user per role (the practitioner scoped to `borough`); re-running issues new tokens."""
    made = []
    for role in ROLES:
        name = f"demo-{role}"
        scope = borough if role == "practitioner" else None
        try:
            existing = get_user(db, name)
        except UserAdminError:
            existing = None
        if existing is not None and existing.active:
            made.append(reissue_token(db, name))
        elif existing is not None:
            raise UserAdminError(f"demo user {name!r} was revoked; it cannot be reused")
        else:
            made.append(add_user(db, name, role, scope))
    return made
