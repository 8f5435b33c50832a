"""Family-level reads and writes shared by the API and the web page.

Each function applies the borough boundary, adds the latest decisions and writes the access-log
entry before returning, so no route can hand out family data without a record of it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from serving.access_log import record_access
from serving.auth import check_borough
from serving.decisions import (
    Decision,
    ReasonCode,
    all_decisions,
    family_decisions,
    latest_decisions,
    record_decision,
)
from serving.deps import Services
from serving.errors import BadRequestError
from serving.lists import CohortList
from serving.state import Snapshot
from serving.users import User

CSV_COLUMNS = (
    "cohort",
    "rank",
    "rank_in_borough",
    "family_id",
    "borough",
    "school_ids",
    "n_children",
    "score",
    "probability",
    "percentile",
    "open_to_social_care",
    "top_reasons",
    "data_quality",
    "latest_decision",
    "latest_reason_code",
    "decided_at",
)
DECISION_CSV_COLUMNS = (
    "cohort",
    "family_id",
    "borough",
    "decision",
    "reason_code",
    "recorded_at",
    "recorded_by",
    "model_version",
    "rank",
    "rank_in_borough",
    "probability",
    "percentile",
    "in_current_list",
)


def _borough_filter(user: User, cohort: CohortList, borough: str | None) -> str | None:
    """The borough a list is limited to: the user's own if scoped, else the one asked for."""
    if borough is not None:
        if user.borough is None and borough not in cohort.by_borough:
            have = ", ".join(sorted(cohort.by_borough))
            raise BadRequestError(
                f"borough {borough!r} is not one of the boroughs in cohort {cohort.year}: {have}"
            )
        check_borough(user, borough)
        return borough
    return user.borough


@dataclass(frozen=True)
class ListPage:
    """One page of a ranked list as a user may see it, with the latest decisions (already logged)."""

    cohort: CohortList
    model_version: str
    borough: str | None
    school: str | None
    total: int
    limit: int
    offset: int
    positions: Sequence[int]
    latest: dict[str, dict]

    def _head(self) -> dict:
        return {
            "cohort": self.cohort.year,
            "model_version": self.model_version,
            "borough": self.borough,
            "school": self.school,
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
        }

    def as_dict(self) -> dict:
        """The page as a dict (for templates)."""
        rows = [self.cohort.rows[i] for i in self.positions]
        families = [{**r, "latest_decision": self.latest.get(r["family_id"])} for r in rows]
        return {**self._head(), "families": families}

    def as_json(self) -> bytes:
        """The page as JSON bytes in the `FamilyPage` shape, from the rows pre-rendered at load."""
        head = json.dumps(self._head(), separators=(",", ":"))[:-1].encode()
        return head + b',"families":' + self.cohort.page_json(self.positions, self.latest) + b"}"


def family_page(
    services: Services,
    snap: Snapshot,
    user: User,
    *,
    endpoint: str,
    year: int | None,
    borough: str | None,
    school: str | None,
    limit: int,
    offset: int,
) -> ListPage:
    """One page of a cohort's ranked list as the user may see it, with the latest decisions (logged)."""
    cohort = snap.lists.cohort(year)
    borough = _borough_filter(user, cohort, borough)
    selected = cohort.select(borough, school)
    positions = selected[offset : offset + limit]
    ids = [cohort.rows[i]["family_id"] for i in positions]
    latest = latest_decisions(services.db, cohort.year, ids)
    query = {"cohort": cohort.year, "borough": borough, "school": school, "limit": limit, "offset": offset}
    record_access(services.db, user, endpoint, result_size=len(ids), query=query)
    return ListPage(cohort, snap.version, borough, school, len(selected), limit, offset, positions, latest)


def family_detail(
    services: Services, snap: Snapshot, user: User, *, endpoint: str, family_id: str, year: int | None
) -> dict:
    """One family with each child's reasons and every recorded decision."""
    cohort = snap.lists.cohort(year)
    row = cohort.family(family_id)
    check_borough(user, row["borough"])
    history = family_decisions(services.db, cohort.year, family_id)
    record_access(
        services.db, user, endpoint, result_size=1, family_ids=[family_id], query={"cohort": cohort.year}
    )
    return {
        **row,
        "model_version": snap.version,
        "children": cohort.children.get(family_id, []),
        "decisions": history,
        "latest_decision": history[-1] if history else None,
    }


def decide(
    services: Services,
    snap: Snapshot,
    user: User,
    *,
    endpoint: str,
    family_id: str,
    year: int | None,
    decision: Decision,
    reason_code: ReasonCode,
) -> dict:
    """Record a decision about a family on the user's list and return it."""
    cohort = snap.lists.cohort(year)
    row = cohort.family(family_id)
    check_borough(user, row["borough"])
    saved = record_decision(
        services.db,
        user,
        cohort=cohort.year,
        family_id=family_id,
        borough=row["borough"],
        decision=decision,
        reason_code=reason_code,
        model_version=snap.version,
    )
    record_access(
        services.db, user, endpoint, result_size=1, family_ids=[family_id], query={"cohort": cohort.year}
    )
    return saved


def _safe_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with a quote (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_text(columns: Iterable[str], records: Iterable[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for rec in records:
        writer.writerow({k: _safe_cell(v) for k, v in rec.items()})
    return buffer.getvalue()


def families_csv(
    services: Services,
    snap: Snapshot,
    user: User,
    *,
    endpoint: str,
    year: int | None,
    borough: str | None,
    school: str | None,
) -> tuple[str, str]:
    """The whole (filtered) ranked list as CSV text, with its download file name."""
    cohort = snap.lists.cohort(year)
    borough = _borough_filter(user, cohort, borough)
    rows = cohort.page(cohort.select(borough, school), len(cohort.rows), 0)
    latest = latest_decisions(services.db, cohort.year)
    records = []
    for r in rows:
        d = latest.get(r["family_id"]) or {}
        records.append(
            {
                "cohort": r["cohort"],
                "rank": r["rank"],
                "rank_in_borough": r["rank_in_borough"],
                "family_id": r["family_id"],
                "borough": r["borough"],
                "school_ids": ";".join(r["school_ids"]),
                "n_children": r["n_children"],
                "score": round(r["score"], 4),
                "probability": round(r["probability"], 4),
                "percentile": round(r["percentile"], 1),
                "open_to_social_care": r["open_to_social_care"],
                "top_reasons": "; ".join(reason["text"] for reason in r["reasons"]),
                "data_quality": "; ".join(r["data_quality"]),
                "latest_decision": d.get("decision", ""),
                "latest_reason_code": d.get("reason_code", ""),
                "decided_at": d.get("recorded_at", ""),
            }
        )
    query = {"cohort": cohort.year, "borough": borough, "school": school, "format": "csv"}
    record_access(services.db, user, endpoint, result_size=len(records), query=query)
    name = "_".join(str(p) for p in ("families", cohort.year, borough, school) if p) + ".csv"
    return name, _csv_text(CSV_COLUMNS, records)


def decisions_csv(services: Services, snap: Snapshot, user: User, *, endpoint: str) -> str:
    """Every recorded decision, joined to the family's place on the current list, as CSV text."""
    records = []
    for d in all_decisions(services.db, user.borough):
        cohort = snap.lists.cohorts.get(d["cohort"])
        row = cohort.rows[cohort.by_id[d["family_id"]]] if cohort and d["family_id"] in cohort.by_id else None
        records.append(
            {
                **{k: d[k] for k in DECISION_CSV_COLUMNS[:8]},
                "rank": row["rank"] if row else "",
                "rank_in_borough": row["rank_in_borough"] if row else "",
                "probability": round(row["probability"], 4) if row else "",
                "percentile": round(row["percentile"], 1) if row else "",
                "in_current_list": row is not None,
            }
        )
    record_access(services.db, user, endpoint, result_size=len(records), query={"export": "decisions"})
    return _csv_text(DECISION_CSV_COLUMNS, records)
