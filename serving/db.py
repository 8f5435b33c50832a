"""The service's SQLite database: users, web sessions, decisions, SCORE-15 uploads, access log.

Decisions and the access log are evidence for evaluators, so they are append-only: triggers make
SQLite itself refuse UPDATE and DELETE on them, whoever connects. One connection per thread
(SQLite connections must not be shared across threads mid-transaction); WAL mode lets readers run
while a writer commits.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('practitioner', 'analyst', 'evaluator', 'admin')),
    borough     TEXT,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE IF NOT EXISTS sessions (
    id_hash     TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS decisions (
    id             INTEGER PRIMARY KEY,
    cohort         INTEGER NOT NULL,
    family_id      TEXT NOT NULL,
    borough        TEXT NOT NULL,
    decision       TEXT NOT NULL,
    reason_code    TEXT NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    model_version  TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_family ON decisions (cohort, family_id, id);
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a new decision instead'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only: they cannot be deleted'); END;

CREATE TABLE IF NOT EXISTS access_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    user_id      INTEGER,
    user_name    TEXT NOT NULL,
    role         TEXT NOT NULL,
    endpoint     TEXT NOT NULL,
    family_ids   TEXT,
    query        TEXT,
    result_size  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS access_log_at ON access_log (at);
CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: entries cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: entries cannot be deleted'); END;

CREATE TABLE IF NOT EXISTS score15_uploads (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    coding       TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    n_rows       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS score15_responses (
    id          INTEGER PRIMARY KEY,
    upload_id   INTEGER NOT NULL REFERENCES score15_uploads(id),
    family_id   TEXT NOT NULL,
    borough     TEXT,
    row_json    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS score15_family ON score15_responses (family_id);
"""


def utc_now() -> str:
    """The current time as an ISO-8601 UTC string with milliseconds (sorts as text)."""
    return format_time(datetime.now(UTC))


def format_time(moment: datetime) -> str:
    """`moment` as the database's time text (UTC, milliseconds); naive times are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class Database:
    """The service database at `path`, created with its schema on first use."""

    def __init__(self, path: str | Path, checkpoint_seconds: float | None = None) -> None:
        self.path = Path(path)
        # With `checkpoint_seconds`, a background thread copies the WAL into the database file every so
        # often; otherwise SQLite does it inside whichever commit crosses 1,000 pages, with an fsync
        # that stalls every request queued behind that commit.
        self.checkpoint_seconds = checkpoint_seconds
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        # Writers in this process queue on a Python lock rather than on SQLite's busy handler, whose
        # sleeps (up to 100 ms each) would otherwise put long tails on concurrent requests.
        self._write_lock = threading.Lock()
        conn = self.connection()
        # executescript runs each statement in autocommit mode; every statement is IF NOT EXISTS.
        conn.executescript(_SCHEMA)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # check_same_thread=False only so close() can close every thread's connection;
            # each connection is still used by one thread at a time.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            if self.checkpoint_seconds:
                conn.execute("PRAGMA wal_autocheckpoint = 0")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this thread's connection: committed on success, rolled back on error."""
        conn = self.connection()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def write(self, sql: str, params: tuple = ()) -> None:
        """Run one write statement as its own transaction (one round trip instead of three)."""
        conn = self.connection()
        with self._write_lock:
            conn.execute(sql, params)

    def start_checkpointing(self) -> None:
        """Start the background WAL checkpoints (if `checkpoint_seconds` was given)."""
        if not self.checkpoint_seconds or self._checkpointer is not None:
            return
        self._stop.clear()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="wal-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        interval = float(self.checkpoint_seconds or 1.0)
        while not self._stop.wait(interval):
            # PASSIVE: copies what it can without waiting for (or blocking) readers and writers.
            self.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        """Stop checkpointing and close every connection this object opened."""
        if self._checkpointer is not None:
            self._stop.set()
            self._checkpointer.join(5)
            self._checkpointer = None
            self.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
