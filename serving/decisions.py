"""What practitioners decided about each family on the list: fixed codes only, never free text.

Decisions are append-only (a change of mind is a new decision); the latest one is shown in the
list and every one is exported for the programme's evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from serving.db import Database, utc_now
from serving.errors import BadRequestError
from serving.users import User


class Decision(StrEnum):
    """What happened to the offer of On Track help."""

    accepted = "accepted"
    declined_by_family = "declined_by_family"
    not_appropriate = "not_appropriate"
    already_supported = "already_supported"


DECISION_LABELS = {
    Decision.accepted: "The family accepted the offer of help",
    Decision.declined_by_family: "The family declined the offer",
    Decision.not_appropriate: "An offer is not appropriate now",
    Decision.already_supported: "The family is already supported",
}


class ReasonCode(StrEnum):
    """Why: one code from a fixed list, so no free text about a family is ever stored."""

    family_agreed = "family_agreed"
    family_said_no = "family_said_no"
    family_not_contactable = "family_not_contactable"
    needs_statutory_service = "needs_statutory_service"
    circumstances_changed = "circumstances_changed"
    information_incorrect = "information_incorrect"
    no_additional_need = "no_additional_need"
    open_to_social_care = "open_to_social_care"
    receiving_early_help = "receiving_early_help"
    supported_by_other_service = "supported_by_other_service"


R = ReasonCode
REASONS: dict[ReasonCode, tuple[str, Decision]] = {
    R.family_agreed: ("The family agreed to take part", Decision.accepted),
    R.family_said_no: ("The family said no to the offer", Decision.declined_by_family),
    R.family_not_contactable: ("We could not reach the family", Decision.declined_by_family),
    R.needs_statutory_service: ("The family needs a statutory service instead", Decision.not_appropriate),
    R.circumstances_changed: (
        "The family's circumstances have changed (e.g. moved away)",
        Decision.not_appropriate,
    ),
    R.information_incorrect: (
        "The information behind the list is wrong or out of date",
        Decision.not_appropriate,
    ),
    R.no_additional_need: ("Professional judgement: no additional need", Decision.not_appropriate),
    R.open_to_social_care: ("Already open to children's social care", Decision.already_supported),
    R.receiving_early_help: ("Already receiving early help", Decision.already_supported),
    R.supported_by_other_service: (
        "Supported by another service (health, CAMHS, school)",
        Decision.already_supported,
    ),
}


def reasons_for(decision: Decision) -> list[ReasonCode]:
    """The reason codes allowed with `decision`."""
    return [code for code, (_, d) in REASONS.items() if d == decision]


def check_reason(decision: Decision, reason_code: ReasonCode) -> None:
    """Raise BadRequestError unless `reason_code` is one of `decision`'s reasons."""
    allowed = reasons_for(decision)
    if reason_code not in allowed:
        raise BadRequestError(
            f"reason_code {reason_code.value!r} does not go with decision {decision.value!r}; "
            f"use one of {', '.join(c.value for c in allowed)}"
        )


def _row(r) -> dict:
    return {
        "cohort": r["cohort"],
        "family_id": r["family_id"],
        "borough": r["borough"],
        "decision": r["decision"],
        "reason_code": r["reason_code"],
        "recorded_by": r["user_name"],
        "recorded_at": r["recorded_at"],
        "model_version": r["model_version"],
    }


_SELECT = "SELECT d.*, u.name AS user_name FROM decisions d JOIN users u ON u.id = d.user_id "


def record_decision(
    db: Database,
    user: User,
    *,
    cohort: int,
    family_id: str,
    borough: str,
    decision: Decision,
    reason_code: ReasonCode,
    model_version: str,
) -> dict:
    """Store one decision (after checking the reason goes with it) and return it."""
    check_reason(decision, reason_code)
    with db.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO decisions (cohort, family_id, borough, decision, reason_code, user_id,"
            " model_version, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                cohort,
                family_id,
                borough,
                decision.value,
                reason_code.value,
                user.id,
                model_version,
                utc_now(),
            ),
        )
        row = conn.execute(_SELECT + "WHERE d.id = ?", (cur.lastrowid,)).fetchone()
    return _row(row)


def latest_decisions(db: Database, cohort: int, family_ids: Iterable[str] | None = None) -> dict[str, dict]:
    """The latest decision per family of `cohort` (only `family_ids` if given)."""
    conn = db.connection()
    if family_ids is None:
        rows = conn.execute(_SELECT + "WHERE d.cohort = ? ORDER BY d.id", (cohort,)).fetchall()
    else:
        ids = list(family_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = conn.execute(
            _SELECT + f"WHERE d.cohort = ? AND d.family_id IN ({marks}) ORDER BY d.id", (cohort, *ids)
        ).fetchall()
    return {r["family_id"]: _row(r) for r in rows}  # later rows overwrite earlier: the latest wins


def family_decisions(db: Database, cohort: int, family_id: str) -> list[dict]:
    """Every decision about one family in `cohort`, oldest first."""
    rows = (
        db.connection()
        .execute(_SELECT + "WHERE d.cohort = ? AND d.family_id = ? ORDER BY d.id", (cohort, family_id))
        .fetchall()
    )
    return [_row(r) for r in rows]


def all_decisions(db: Database, borough: str | None = None) -> list[dict]:
    """Every decision ever recorded (in `borough` only if given), oldest first."""
    if borough is None:
        rows = db.connection().execute(_SELECT + "ORDER BY d.id").fetchall()
    else:
        rows = db.connection().execute(_SELECT + "WHERE d.borough = ? ORDER BY d.id", (borough,)).fetchall()
    return [_row(r) for r in rows]
