"""Import and validate SCORE-15 responses (CSV, JSON, a DataFrame or records) into a `ResponseSet`.

Every rule broken is reported at once, naming the source, column, rows and rule; values are not
echoed, so a misplaced column of free text never reaches a message. Rows the rules exclude are
counted by reason, never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ontrack_model.errors import Score15Error
from ontrack_model.schema import SCORE15_RESPONSES, SCORE15_ROLES
from ontrack_model.score15.config import CODINGS, ITEMS

UnderAgePolicy = Literal["flag", "exclude", "error"]
UNDER_AGE_POLICIES = ("flag", "exclude", "error")
EARLIEST_DATE = dt.date(2000, 1, 1)
MIN_AGE = 12  # SCORE-15 is completed by family members aged 12 or over
CONTRACT_COLUMNS = tuple(SCORE15_RESPONSES.column_names)
ID_COLUMNS = ("family_id", "respondent_id")
_MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none"}
_MAX_ROWS_NAMED = 10
EXCLUDED_NO_ITEMS = "no item answered"
EXCLUDED_UNDER_AGE = "respondent under the minimum age"
FLAGGED_UNDER_AGE = "respondent under the minimum age (kept, flagged)"

Source = str | Path | pd.DataFrame | Sequence[dict[str, Any]]


@dataclass(frozen=True)
class ImportReport:
    """What one import read, kept, excluded and flagged, and under which rules."""

    source: str
    coding: str
    rows_read: int
    rows_kept: int
    excluded: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()
    min_age: int = MIN_AGE
    under_age: str = "flag"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        out = asdict(self)
        out["ignored_columns"] = list(self.ignored_columns)
        out["rows_excluded"] = sum(self.excluded.values())
        out["rows_flagged"] = sum(self.flagged.values())
        return out


class ResponseSet:
    """Validated SCORE-15 responses in paper coding, with the report of each import behind them."""

    def __init__(self, frame: pd.DataFrame, reports: Sequence[ImportReport], replaced: int = 0) -> None:
        self._frame = frame.sort_values(["family_id", "respondent_id", "date"], kind="stable").reset_index(
            drop=True
        )
        self.reports = tuple(reports)
        self.replaced = replaced  # rows of an earlier set replaced by a later one on combining

    @property
    def frame(self) -> pd.DataFrame:
        """Validated rows (a copy): contract columns in paper coding, under_min_age, source, source_row."""
        return self._frame.copy()

    def __len__(self) -> int:
        return len(self._frame)

    @property
    def family_ids(self) -> list[str]:
        """Families present, sorted."""
        return sorted(self._frame["family_id"].unique())

    def import_summary(self) -> dict[str, Any]:
        """Rows read, kept, excluded and flagged over every import, for outputs."""
        excluded: dict[str, int] = {}
        flagged: dict[str, int] = {}
        for rep in self.reports:
            for k, v in rep.excluded.items():
                excluded[k] = excluded.get(k, 0) + v
            for k, v in rep.flagged.items():
                flagged[k] = flagged.get(k, 0) + v
        return {
            "rows_read": sum(r.rows_read for r in self.reports),
            "rows_kept": len(self._frame),
            "rows_excluded": sum(excluded.values()),
            "excluded_by_reason": excluded,
            "rows_flagged": sum(flagged.values()),
            "flagged_by_reason": flagged,
            "rows_replaced_on_combining": self.replaced,
            "families": int(self._frame["family_id"].nunique()),
            "respondents": int(self._frame["respondent_id"].nunique()),
            "imports": [r.to_dict() for r in self.reports],
        }

    def combine(self, other: ResponseSet, on_duplicate: Literal["error", "replace"] = "error") -> ResponseSet:
        """Both sets in one; a repeated administration is an error, or (replace) taken from `other`."""
        if on_duplicate not in ("error", "replace"):
            raise Score15Error(f"on_duplicate must be 'error' or 'replace', got {on_duplicate!r}")
        left, right = self._frame, other._frame
        key = ["respondent_id", "date"]
        clash = left.merge(right[key], on=key, how="inner")
        replaced = 0
        if len(clash) and on_duplicate == "error":
            raise Score15Error(
                f"combining responses: {len(clash)} administration(s) (same respondent_id and date) are in "
                f"both sets, e.g. {_where(clash.head(_MAX_ROWS_NAMED))}; rule: one administration per "
                "respondent per date (use on_duplicate='replace' to take the newer rows)"
            )
        if len(clash):
            keep = ~left.set_index(key).index.isin(right.set_index(key).index)
            replaced = int((~keep).sum())
            left = left[keep]
        both = pd.concat([left, right], ignore_index=True)
        problems = _identity_problems(both, _where)
        if problems:
            raise _error("combining responses", problems)
        return ResponseSet(both, self.reports + other.reports, self.replaced + other.replaced + replaced)

    __add__ = combine

    def to_csv(self, path: str | Path) -> Path:
        """Write the responses atomically in paper coding (contract columns); re-read with coding='paper'."""
        from ontrack_model.score15.export import write_table

        out = self._frame[list(CONTRACT_COLUMNS)].copy()
        out["date"] = out["date"].dt.strftime("%Y-%m-%d")
        return write_table(out, Path(path))


def read_responses(
    source: Source,
    coding: str,
    *,
    min_age: int = MIN_AGE,
    under_age: UnderAgePolicy = "flag",
    today: dt.date | None = None,
    source_name: str | None = None,
) -> ResponseSet:
    """Read and validate SCORE-15 responses stated to be in `coding` ('paper' or 'reversed')."""
    if coding not in CODINGS:
        raise Score15Error(
            f"coding must be stated as 'paper' (1 = describes us very well ... 5 = not at all) or "
            f"'reversed' (1 = not at all ... 5 = very well), got {coding!r}; it is never guessed"
        )
    if under_age not in UNDER_AGE_POLICIES:
        raise Score15Error(f"under_age must be one of {UNDER_AGE_POLICIES}, got {under_age!r}")
    raw, name, unit = _load(source, coding, source_name)
    return _validate(raw, name, unit, coding, min_age, under_age, today or dt.date.today())


# --- loading -----------------------------------------------------------------------------------


def _load(source: Source, coding: str, source_name: str | None) -> tuple[pd.DataFrame, str, str]:
    """The source as a frame of raw values, its name for messages, and what its rows are called."""
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True).astype(object), source_name or "DataFrame", "row"
    if isinstance(source, str | Path):
        path = Path(source)
        name = source_name or path.name
        if not path.is_file():
            raise Score15Error(f"SCORE-15 responses file {str(path)!r} does not exist or is not a file")
        suffix = path.suffix.lower()
        if suffix == ".csv":
            try:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                raise Score15Error(f"{name}: not a readable CSV file ({type(exc).__name__})") from None
            return frame, name, "line"
        if suffix == ".json":
            return _from_json(path, name, coding), name, "record"
        raise Score15Error(
            f"{name}: SCORE-15 responses must be a .csv or .json file, got {suffix or 'no suffix'!r}"
        )
    if isinstance(source, Sequence):
        if not all(isinstance(r, dict) for r in source):
            raise Score15Error(f"{source_name or 'records'}: every record must be an object of column: value")
        return pd.DataFrame.from_records(list(source)).astype(object), source_name or "records", "record"
    raise Score15Error(f"cannot read SCORE-15 responses from a {type(source).__name__}")


def _from_json(path: Path, name: str, coding: str) -> pd.DataFrame:
    """A JSON list of records, or an object whose 'responses' is one (its 'coding', if any, must agree)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise Score15Error(f"{name}: not valid JSON{where}") from None
    if isinstance(data, dict):
        stated = data.get("coding")
        if stated is not None and stated != coding:
            raise Score15Error(
                f"{name}: the file says its coding is {stated!r} but the import was told {coding!r}; "
                "rule: the coding is stated once and must agree"
            )
        data = data.get("responses")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise Score15Error(
            f"{name}: JSON must be a list of response objects, or an object with key 'responses'"
        )
    return pd.DataFrame.from_records(data).astype(object)


# --- validation --------------------------------------------------------------------------------


def _validate(
    raw: pd.DataFrame, name: str, unit: str, coding: str, min_age: int, under_age: str, today: dt.date
) -> ResponseSet:
    if raw.empty:
        raise Score15Error(f"{name}: has no responses (no data rows)")
    missing_cols = [c for c in CONTRACT_COLUMNS if c not in raw.columns]
    if missing_cols:
        raise Score15Error(
            f"{name}: missing column(s) {missing_cols}; rule: a SCORE-15 file has the columns "
            f"{list(CONTRACT_COLUMNS)} (item values may be empty, the columns must exist)"
        )
    first = 2 if unit == "line" else 1  # CSV: the header is line 1
    rows = pd.Series(range(first, first + len(raw)), index=raw.index)

    def where(mask: pd.Series) -> str:
        return _rows_phrase(rows[mask].tolist(), unit)

    problems: list[str] = []
    out = pd.DataFrame(index=raw.index)
    for col in ID_COLUMNS:
        text = _text(raw[col])
        bad = text.isna()
        if bad.any():
            problems.append(
                f"column '{col}', {where(bad)}: empty; rule: a pseudonymous identifier is required"
            )
        out[col] = text
    role = _text(raw["role"])
    bad = ~role.isin(SCORE15_ROLES)
    if bad.any():
        problems.append(f"column 'role', {where(bad)}: unknown role code; rule: one of {list(SCORE15_ROLES)}")
    out["role"] = role

    age, age_missing, age_bad = _whole_numbers(raw["age"])
    bad = age_missing | age_bad | (age < 0).fillna(False)
    if bad.any():
        problems.append(f"column 'age', {where(bad)}: rule: age in whole years is required (0 or more)")
    out["age"] = age

    date = _dates(raw["date"])
    unparsed = date.isna()
    if unparsed.any():
        problems.append(f"column 'date', {where(unparsed)}: rule: a date written YYYY-MM-DD is required")
    day = date.dt.date
    early = ~unparsed & (day < EARLIEST_DATE)
    if early.any():
        problems.append(f"column 'date', {where(early)}: before 2000-01-01; rule: dates from 2000 onwards")
    future = ~unparsed & (day > today)
    if future.any():
        problems.append(
            f"column 'date', {where(future)}: in the future (after {today.isoformat()}); "
            "rule: a questionnaire cannot be completed after today"
        )
    out["date"] = date

    for item in ITEMS:
        values, _, bad_item = _whole_numbers(raw[item])
        bad = bad_item | ((values < 1) | (values > 5)).fillna(False)
        if bad.any():
            problems.append(
                f"column '{item}', {where(bad)}: rule: a whole number from 1 to 5 or empty "
                f"(file coding '{coding}')"
            )
        # Reversed-coded forms store 1 = not at all ... 5 = very well: convert to paper coding.
        out[item] = values if coding == "paper" else 6 - values
    if problems:
        raise _error(name, problems)

    out["source"] = name
    out["source_row"] = rows
    problems = _duplicate_problems(out, unit) + _identity_problems(out, lambda r: _where(r, unit))
    if problems:
        raise _error(name, problems)

    excluded: dict[str, int] = {}
    flagged: dict[str, int] = {}
    blank = out[list(ITEMS)].isna().all(axis=1)
    if blank.any():
        excluded[EXCLUDED_NO_ITEMS] = int(blank.sum())
    under = (out["age"] < min_age).astype(bool)
    if under.any() and under_age == "error":
        raise _error(
            name,
            [
                f"column 'age', {where(under)}: respondent under {min_age}; rule: SCORE-15 is "
                f"completed by family members aged {min_age} or over"
            ],
        )
    if under_age == "exclude":
        newly = under & ~blank
        if newly.any():
            excluded[EXCLUDED_UNDER_AGE] = int(newly.sum())
        keep = ~(blank | under)
    else:
        keep = ~blank
        if (under & keep).any():
            flagged[FLAGGED_UNDER_AGE] = int((under & keep).sum())
    out["under_min_age"] = under
    kept = out[keep].copy()
    report = ImportReport(
        source=name,
        coding=coding,
        rows_read=len(raw),
        rows_kept=len(kept),
        excluded=excluded,
        flagged=flagged,
        ignored_columns=tuple(str(c) for c in raw.columns if c not in CONTRACT_COLUMNS),
        min_age=min_age,
        under_age=under_age,
    )
    return ResponseSet(kept, [report])


def _duplicate_problems(frame: pd.DataFrame, unit: str) -> list[str]:
    dup = frame[frame.duplicated(["respondent_id", "date"], keep=False)]
    if dup.empty:
        return []
    groups = [_where(g, unit) for _, g in dup.groupby(["respondent_id", "date"], sort=False)]
    shown = "; ".join(groups[:_MAX_ROWS_NAMED]) + (
        f"; and {len(groups) - _MAX_ROWS_NAMED} more" if len(groups) > _MAX_ROWS_NAMED else ""
    )
    return [
        f"columns 'respondent_id', 'date': {len(groups)} duplicate administration(s) ({shown}); "
        "rule: one questionnaire per respondent per date"
    ]


def _identity_problems(frame: pd.DataFrame, where: Callable[[pd.DataFrame], str]) -> list[str]:
    """A respondent keeps one role and one family across administrations."""
    problems = []
    for col in ("role", "family_id"):
        counts = frame.groupby("respondent_id")[col].nunique()
        for rid in counts[counts > 1].index[:_MAX_ROWS_NAMED]:
            problems.append(
                f"column '{col}': respondent '{rid}' has more than one {col} "
                f"({where(frame[frame['respondent_id'] == rid])}); rule: a respondent's "
                f"{col} does not change"
            )
        extra = int((counts > 1).sum()) - _MAX_ROWS_NAMED
        if extra > 0:
            problems.append(f"column '{col}': and {extra} more respondents whose {col} changes")
    return problems


def _error(name: str, problems: list[str]) -> Score15Error:
    err = Score15Error(f"{name}: SCORE-15 responses break the import rules:\n  - " + "\n  - ".join(problems))
    err.problems = problems  # type: ignore[attr-defined]  # for the API to return them as a list
    return err


def _where(frame: pd.DataFrame, unit: str | None = None) -> str:
    """Rows of `frame` by source and source row."""
    if unit is not None:
        return _rows_phrase(frame["source_row"].tolist(), unit)
    parts = [f"{src} {_rows_phrase(g['source_row'].tolist(), 'row')}" for src, g in frame.groupby("source")]
    return ", ".join(parts)


def _rows_phrase(numbers: list[int], unit: str) -> str:
    shown = ", ".join(str(n) for n in numbers[:_MAX_ROWS_NAMED])
    more = f" and {len(numbers) - _MAX_ROWS_NAMED} more" if len(numbers) > _MAX_ROWS_NAMED else ""
    return f"{unit}{'s' if len(numbers) > 1 else ''} {shown}{more}"


def _text(series: pd.Series) -> pd.Series:
    """Stripped strings; empty or missing as NA."""
    text = series.astype("string").str.strip()
    return text.mask(text.str.lower().isin(_MISSING_TOKENS))


def _whole_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(values as Int64, missing mask, not-a-whole-number mask); 3.0 counts as the whole number 3."""
    if pd.api.types.is_object_dtype(series):  # JSON or a DataFrame: True/False are not answers, not 1/0
        series = series.map(lambda v: "not-a-number" if isinstance(v, bool) else v)
    text = _text(series)
    missing = text.isna()
    number = pd.to_numeric(text, errors="coerce").astype("Float64")
    finite = number.notna() & (number.abs() < 1e9)
    bad = ~missing & (~finite | (number % 1 != 0).fillna(True))
    values = number.where(~bad & ~missing).round().astype("Int64")
    return values, missing, bad.astype(bool)


def _dates(series: pd.Series) -> pd.Series:
    """Dates from ISO strings or date objects; NaT where unparseable."""

    def iso(v: Any) -> Any:
        if isinstance(v, dt.date | pd.Timestamp):
            return v.isoformat()[:10]
        return v

    text = _text(series.map(iso))
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
