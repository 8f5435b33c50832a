"""Ranked lists prepared for serving: parsed once per load, so a request only slices them.

Parsing the bundle's JSON reason strings and splitting school lists for ~4,000 families takes a
few hundred milliseconds; doing it once at load keeps a top-100 request to a list slice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from ontrack_model.liststore import CHILD_COLUMNS, FAMILY_COLUMNS, ModelBundle
from serving.errors import NotFoundError, NotReadyError

REASON_KEYS = ("group", "text", "direction", "contribution")


def _parse_json_list(raw: object, what: str) -> list:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return []
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise NotReadyError(f"{what} is not valid JSON ({exc.msg})") from None
    if not isinstance(value, list):
        raise NotReadyError(f"{what} must be a JSON list")
    return list(value)


def _parse_reasons(raw: object, what: str) -> list[dict]:
    reasons = []
    for item in _parse_json_list(raw, what):
        if not isinstance(item, dict) or any(k not in item for k in REASON_KEYS):
            raise NotReadyError(f"{what} holds a reason without the keys {', '.join(REASON_KEYS)}")
        reasons.append(
            {
                "group": str(item["group"]),
                "text": str(item["text"]),
                "direction": str(item["direction"]),
                "contribution": float(item["contribution"]),
            }
        )
    return reasons


def _family_row(rec: dict, year: int) -> dict:
    fid = str(rec["family_id"])
    what = f"family {fid} of cohort {year}"
    schools = [s for s in str(rec["school_ids"] or "").split(";") if s]
    return {
        "family_id": fid,
        "cohort": year,
        "borough": str(rec["borough"]),
        "school_ids": schools,
        "rank": int(rec["rank"]),
        "rank_in_borough": int(rec["rank_in_borough"]),
        "score": float(rec["score"]),
        "probability": float(rec["probability"]),
        "percentile": float(rec["percentile"]),
        "n_children": int(rec["n_children"]),
        "open_to_social_care": bool(rec["open_to_social_care"]),
        "reasons": _parse_reasons(rec["reasons"], f"reasons of {what}"),
        "data_quality": [str(x) for x in _parse_json_list(rec["data_quality"], f"data_quality of {what}")],
    }


def _open_json(row: dict, what: str) -> bytes:
    """`row` as compact JSON without its closing brace, so a request can append fields cheaply."""
    try:
        return json.dumps(row, separators=(",", ":"), allow_nan=False)[:-1].encode()
    except ValueError:
        raise NotReadyError(f"{what} holds a missing or infinite number") from None


def _child_row(rec: dict, year: int) -> dict:
    pid = str(rec["pupil_id"])
    return {
        "pupil_id": pid,
        "school_id": str(rec["school_id"]),
        "score": float(rec["score"]),
        "probability": float(rec["probability"]),
        "reasons": _parse_reasons(rec["reasons"], f"reasons of pupil {pid} in cohort {year}"),
    }


@dataclass
class CohortList:
    """One cohort's families in rank order, indexed by family, borough and school."""

    year: int
    rows: list[dict]
    # Each row pre-rendered as JSON (open at the end): building a response is then a byte join,
    # which keeps a 100-row page well under a millisecond instead of several for re-serialising.
    row_json: list[bytes] = field(default_factory=list)
    by_id: dict[str, int] = field(default_factory=dict)
    by_borough: dict[str, list[int]] = field(default_factory=dict)
    by_school: dict[str, list[int]] = field(default_factory=dict)
    children: dict[str, list[dict]] = field(default_factory=dict)
    n_children: int = 0

    @classmethod
    def from_frames(cls, year: int, families: pd.DataFrame, children: pd.DataFrame | None) -> CohortList:
        """Parse and index one cohort's family (and child) frames from a bundle."""
        missing = [c for c in FAMILY_COLUMNS if c not in families.columns]
        if missing:
            raise NotReadyError(f"families list of cohort {year} lacks columns {missing}")
        ordered = families.sort_values(["rank", "family_id"], kind="mergesort")
        rows = [_family_row(rec, year) for rec in ordered.to_dict("records")]
        row_json = [_open_json(r, f"family {r['family_id']} of cohort {year}") for r in rows]
        out = cls(year=year, rows=rows, row_json=row_json)
        for i, row in enumerate(rows):
            if row["family_id"] in out.by_id:
                raise NotReadyError(f"families list of cohort {year} repeats family {row['family_id']}")
            out.by_id[row["family_id"]] = i
            out.by_borough.setdefault(row["borough"], []).append(i)
            for school in row["school_ids"]:
                out.by_school.setdefault(school, []).append(i)
        if children is not None:
            missing = [c for c in CHILD_COLUMNS if c not in children.columns]
            if missing:
                raise NotReadyError(f"children list of cohort {year} lacks columns {missing}")
            kids = children.sort_values(["family_id", "score", "pupil_id"], ascending=[True, False, True])
            for rec in kids.to_dict("records"):
                out.children.setdefault(str(rec["family_id"]), []).append(_child_row(rec, year))
            out.n_children = len(kids)
        return out

    def family(self, family_id: str) -> dict:
        """The row of `family_id` (NotFoundError if the family is not in this cohort's list)."""
        i = self.by_id.get(family_id)
        if i is None:
            raise NotFoundError(f"family {family_id} is not in the ranked list of cohort {self.year}")
        return self.rows[i]

    def select(self, borough: str | None = None, school: str | None = None) -> Sequence[int]:
        """Row positions, in rank order, of families in `borough` and with a child at `school`."""
        if school is not None:
            picked = self.by_school.get(school, [])
            return [i for i in picked if self.rows[i]["borough"] == borough] if borough else list(picked)
        if borough is not None:
            return self.by_borough.get(borough, [])
        return range(len(self.rows))

    def page(self, positions: Sequence[int], limit: int, offset: int) -> list[dict]:
        """The rows at `positions[offset:offset + limit]`."""
        return [self.rows[i] for i in positions[offset : offset + limit]]

    def page_json(self, positions: Sequence[int], latest: dict[str, dict]) -> bytes:
        """A JSON array of the rows at `positions`, each with its `latest_decision` (or null)."""
        parts = []
        for i in positions:
            decision = latest.get(self.rows[i]["family_id"])
            tail = json.dumps(decision, separators=(",", ":")).encode() if decision else b"null"
            parts.append(self.row_json[i] + b',"latest_decision":' + tail + b"}")
        return b"[" + b",".join(parts) + b"]"


@dataclass
class RankedLists:
    """Every cohort's prepared list from one bundle."""

    cohorts: dict[int, CohortList]

    @classmethod
    def from_bundle(cls, bundle: ModelBundle) -> RankedLists:
        """Prepare every cohort of `bundle` (NotReadyError naming the cohort if one is malformed)."""
        if not bundle.families:
            raise NotReadyError(f"model version {bundle.version} has no ranked lists stored")
        return cls(
            {
                year: CohortList.from_frames(year, frame, bundle.children.get(year))
                for year, frame in sorted(bundle.families.items())
            }
        )

    @property
    def years(self) -> list[int]:
        """Cohort years, oldest first."""
        return sorted(self.cohorts)

    @property
    def latest(self) -> int:
        """The most recent cohort year."""
        return self.years[-1]

    def borough_of(self, family_id: str) -> str | None:
        """The family's borough on the most recent list that has it, or None if it is on none."""
        for year in reversed(self.years):
            cohort = self.cohorts[year]
            i = cohort.by_id.get(family_id)
            if i is not None:
                return cohort.rows[i]["borough"]
        return None

    def cohort(self, year: int | None) -> CohortList:
        """The list of cohort `year` (the latest if None); NotFoundError naming the cohorts there are."""
        if year is None:
            year = self.latest
        found = self.cohorts.get(year)
        if found is None:
            have = ", ".join(str(y) for y in self.years)
            raise NotFoundError(f"no ranked list for cohort {year}; the lists loaded are for cohorts {have}")
        return found
