"""The service's settings: where its database and ranked lists live, and its limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ontrack_model.errors import ConfigError

DB_ENV = "ONTRACK_SERVICE_DB"
MAX_UPLOAD_ENV = "ONTRACK_MAX_UPLOAD_BYTES"
SECURE_COOKIES_ENV = "ONTRACK_SECURE_COOKIES"
DEFAULT_DB = Path("serving-data") / "service.sqlite3"
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"environment variable {name} must be a whole number of bytes, got {raw!r}"
        ) from None
    if value <= 0:
        raise ConfigError(f"environment variable {name} must be positive, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the service reads at start-up; build with `Settings.from_env()` or directly in tests."""

    db_path: Path = field(default_factory=lambda: DEFAULT_DB)
    store_root: Path | None = None  # None: the list store's own default ($ONTRACK_STORE or mlruns/...)
    model_name: str = "ontrack-risk"
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    # Secure cookies need HTTPS; turn on behind a TLS-terminating proxy (always in production).
    secure_cookies: bool = False
    session_minutes: int = 8 * 60  # one working day, then sign in again
    page_size: int = 50  # families per page on the web page
    suppress_below: int = 10  # aggregates for evaluators hide cells smaller than this
    load_on_startup: bool = True

    def __post_init__(self) -> None:
        if self.max_upload_bytes <= 0:
            raise ConfigError(f"max_upload_bytes must be positive, got {self.max_upload_bytes}")
        if self.session_minutes <= 0:
            raise ConfigError(f"session_minutes must be positive, got {self.session_minutes}")
        if self.suppress_below < 2:
            raise ConfigError(f"suppress_below must be at least 2, got {self.suppress_below}")

    @classmethod
    def from_env(cls, db_path: str | Path | None = None, store_root: str | Path | None = None) -> Settings:
        """Settings from explicit values, else the ONTRACK_* environment variables, else defaults."""
        db = Path(db_path) if db_path is not None else Path(os.environ.get(DB_ENV) or DEFAULT_DB)
        return cls(
            db_path=db,
            store_root=Path(store_root) if store_root is not None else None,
            max_upload_bytes=_int_env(MAX_UPLOAD_ENV, DEFAULT_MAX_UPLOAD),
            secure_cookies=os.environ.get(SECURE_COOKIES_ENV, "").lower() in ("1", "true", "yes"),
        )
