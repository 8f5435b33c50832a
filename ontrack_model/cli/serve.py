"""`ontrack` commands: serve (the API and web page), users (API tokens), audit-log (who saw what).

`serving` is imported inside the commands, so the library never depends on it.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ontrack_model.cli._common import console, friendly_errors

DB_HELP = "The service database (default: $ONTRACK_SERVICE_DB, else serving-data/service.sqlite3)."

users_app = typer.Typer(
    help="Manage who may use the service: add users with a role, list them, revoke their tokens.",
    no_args_is_help=True,
)


def _db(db: Path | None):
    from serving.db import Database
    from serving.settings import Settings

    return Database(Settings.from_env(db_path=db).db_path)


def _show_token(name: str, role: str, borough: str | None, token: str) -> None:
    scope = f", borough {borough}" if borough else ""
    console.print(f"[bold]{name}[/bold] ({role}{scope})", highlight=False)
    console.print(f"  token: {token}", highlight=False, soft_wrap=True)


@users_app.command("add")
@friendly_errors
def users_add(
    name: str = typer.Argument(..., help="The user's login name (a member of staff, never a family member)."),
    role: str = typer.Option(..., "--role", help="practitioner, analyst, evaluator or admin."),
    borough: str | None = typer.Option(
        None,
        "--borough",
        help="Borough code (e.g. LBHF) whose families the user may see; practitioners need one.",
    ),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create a user and print their API token. It is shown only this once: pass it on securely."""
    from serving.users import add_user

    user, token = add_user(_db(db), name, role, borough)
    _show_token(user.name, user.role, user.borough, token)
    console.print("Store the token now: only its hash is kept, so it cannot be shown again.")


@users_app.command("list")
@friendly_errors
def users_list(db: Path | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """List users with their role, borough and status (tokens are never shown)."""
    from serving.users import list_users

    users = list_users(_db(db))
    if not users:
        console.print("No users yet. Add one with `ontrack users add NAME --role ROLE`.")
        return
    table = Table("name", "role", "borough", "created (UTC)", "status")
    for u in users:
        table.add_row(
            u.name,
            u.role,
            u.borough or "-",
            u.created_at[:19],
            "active" if u.active else f"revoked {u.revoked_at[:19]}",
        )
    console.print(table)


@users_app.command("revoke")
@friendly_errors
def users_revoke(
    name: str = typer.Argument(..., help="The login name of the user whose token to revoke."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Revoke a user's token and end their web sessions at once (their access-log entries stay)."""
    from serving.users import revoke_user

    user = revoke_user(_db(db), name)
    console.print(f"Revoked {user.name} ({user.role}) at {user.revoked_at}.", highlight=False)


@users_app.command("demo")
@friendly_errors
def users_demo(
    borough: str = typer.Option("LBHF", "--borough", help="The demo practitioner's borough."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create one demo user per role (re-running issues new tokens) and print their tokens."""
    from serving.users import create_demo_users

    for user, token in create_demo_users(_db(db), borough):
        _show_token(user.name, user.role, user.borough, token)
    console.print("Demo users are for trying the service out: revoke them before real data is loaded.")


def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (127.0.0.1: this machine only)."
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    store: Path | None = typer.Option(
        None, "--store", help="The ranked-list store (default: $ONTRACK_STORE, else mlruns/ontrack-store)."
    ),
) -> None:
    """Start the API and web page with the registry's champion model and its ranked lists."""
    import logging

    import uvicorn

    from serving.app import create_app
    from serving.settings import Settings

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    app = create_app(Settings.from_env(db_path=db, store_root=store))
    console.print(
        f"On Track service on http://{host}:{port}/  (API docs: /docs). If no model is registered yet it "
        "still starts: /readyz answers 503 and says how to train one.",
        highlight=False,
    )
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


def audit_log(
    since: str | None = typer.Option(
        None, "--since", help="Only entries on or after this date (YYYY-MM-DD)."
    ),
    limit: int = typer.Option(1000, "--limit", min=1, help="At most this many entries."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Print the access log: who looked at which families (pseudonymous IDs), when and how."""
    from serving.access_log import parse_since, read_access_log

    entries = read_access_log(_db(db), parse_since(since, "--since"), limit)
    if not entries:
        console.print("No access-log entries" + (f" since {since}." if since else "."), highlight=False)
        return
    table = Table("time (UTC)", "user", "role", "endpoint", "families / query", "records")
    for e in entries:
        what = ", ".join(e["family_ids"]) if e["family_ids"] else _query_text(e["query"])
        table.add_row(e["at"][:19], e["user"], e["role"], e["endpoint"], what, str(e["result_size"]))
    console.print(table)


def _query_text(query: dict | None) -> str:
    return " ".join(f"{k}={v}" for k, v in (query or {}).items()) or "-"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ontrack` app."""
    app.command("serve")(friendly_errors(serve))
    app.add_typer(users_app, name="users")
    app.command("audit-log")(friendly_errors(audit_log))
