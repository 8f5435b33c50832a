"""Web-page sessions: a random session ID in an HttpOnly cookie, stored only as its SHA-256.

Each session carries its own CSRF token, which every form posts back (synchroniser-token
pattern); the SameSite=Strict cookie is a second line of defence.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta

from serving.db import Database, format_time, utc_now
from serving.users import User, hash_token

COOKIE_NAME = "ontrack_session"
SIGNIN_CSRF_COOKIE = "ontrack_signin_csrf"


def create_session(db: Database, user: User, minutes: int) -> tuple[str, str]:
    """Start a session for `user` lasting `minutes`; return (session id, CSRF token)."""
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    with db.transaction() as conn:
        conn.execute("DELETE FROM sessions WHERE expires_at < ?", (format_time(now),))  # tidy expired ones
        conn.execute(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                hash_token(session_id),
                user.id,
                csrf,
                format_time(now),
                format_time(now + timedelta(minutes=minutes)),
            ),
        )
    return session_id, csrf


def session_user(db: Database, session_id: str | None) -> tuple[User, str] | None:
    """The active user and CSRF token of a live session, or None."""
    if not session_id:
        return None
    row = (
        db.connection()
        .execute(
            "SELECT u.*, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.id_hash = ? AND s.expires_at > ? AND u.revoked_at IS NULL",
            (hash_token(session_id), utc_now()),
        )
        .fetchone()
    )
    if row is None:
        return None
    user = User(row["id"], row["name"], row["role"], row["borough"], row["created_at"], row["revoked_at"])
    return user, row["csrf_token"]


def end_session(db: Database, session_id: str | None) -> None:
    """Forget a session (signing out)."""
    if session_id:
        with db.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = ?", (hash_token(session_id),))


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens (False if either is missing)."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
