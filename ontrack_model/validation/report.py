"""What validation found: one `Problem` per broken rule, gathered in a `ValidationReport`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rich.console import Group
from rich.table import Table as RichTable
from rich.text import Text

Severity = Literal["error", "warning"]

SHOWN_ROWS = 5  # row numbers listed in a message; the total count is always given


@dataclass(frozen=True)
class Problem:
    """One broken rule of the data contract, located as precisely as the file allows."""

    file: str  # file name inside the extract directory, e.g. "social_care.csv"
    table: str | None  # contract table, None for the manifest or a stray file
    column: str | None  # None when the whole file or table is concerned
    rows: tuple[int, ...]  # first few 1-based data-row numbers (row 1 = first row after the header)
    n_rows: int  # how many rows break the rule in all (0 when rows do not apply)
    rule: str  # short rule name, e.g. "required", "code", "duplicate_key", "foreign_key"
    severity: Severity
    message: str  # a full sentence an analyst understands, naming the file, column and rows

    @property
    def is_error(self) -> bool:
        """True when the problem fails validation (warnings do not)."""
        return self.severity == "error"


def rows_phrase(rows: tuple[int, ...], n_rows: int, *, csv: bool) -> str:
    """'rows 12, 57 (3 rows in all; CSV lines 13, 58)': how the row numbers map to the file."""
    if not rows:
        return ""
    listed = ", ".join(str(r) for r in rows)
    word = "row" if len(rows) == 1 and n_rows == 1 else "rows"
    notes = [f"{n_rows} rows in all"] if n_rows > len(rows) else []
    if csv:
        # Row 1 is the first line after the header, so the file's line number is one more.
        notes.append("CSV line" + ("s " if len(rows) > 1 else " ") + ", ".join(str(r + 1) for r in rows))
    else:
        notes.append("row 1 is the file's first row")
    return f"{word} {listed} ({'; '.join(notes)})"


def locate(file: str, column: str | None, rows: tuple[int, ...], n_rows: int, *, csv: bool) -> str:
    """The place a problem is at: 'social_care.csv, column end_date, rows 12, 57 (...)'."""
    parts = [file]
    if column:
        parts.append(f"column {column}")
    if rows:
        parts.append(rows_phrase(rows, n_rows, csv=csv))
    return ", ".join(parts)


def make_problem(
    file: str,
    table: str | None,
    column: str | None,
    rule: str,
    detail: str,
    *,
    severity: Severity = "error",
    rows: tuple[int, ...] = (),
    n_rows: int = 0,
) -> Problem:
    """A `Problem` whose message starts with where it is, then says what is wrong."""
    where = locate(file, column, rows, n_rows, csv=file.endswith(".csv"))
    return Problem(file, table, column, rows, n_rows, rule, severity, f"{where}: {detail}")


@dataclass
class ValidationReport:
    """Every problem found in one extract, and the row count of each table that could be read."""

    data_dir: Path
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)  # table -> data rows read
    files: dict[str, str] = field(default_factory=dict)  # table -> file name it was read from

    @property
    def ok(self) -> bool:
        """True when nothing breaks the contract (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        """Problems that fail validation."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth a look that do not fail validation."""
        return [p for p in self.problems if p.severity == "warning"]

    def status(self, table: str) -> str:
        """'ok', 'warnings', 'errors' or 'missing' for one table."""
        severities = Counter(p.severity for p in self.problems if p.table == table)
        if severities["error"]:
            return "errors"
        if table not in self.files:
            return "missing"
        return "warnings" if severities["warning"] else "ok"

    def summary(self) -> str:
        """One line: how many errors and warnings."""
        n_err, n_warn = len(self.errors), len(self.warnings)
        verdict = "passes the data contract" if self.ok else "breaks the data contract"
        return f"The extract in {self.data_dir} {verdict}: {n_err} error(s), {n_warn} warning(s)."

    def __str__(self) -> str:
        lines = [self.summary()]
        lines += [f"- [{p.severity}] {p.message}" for p in self.problems]
        return "\n".join(lines)

    def __rich__(self) -> Group:
        from ontrack_model.schema import SCORE15_RESPONSES, TABLES

        summary = RichTable(title="Tables", title_justify="left")
        summary.add_column("table")
        summary.add_column("file", overflow="fold")
        summary.add_column("rows", justify="right")
        summary.add_column("status")
        styles = {"ok": "green", "warnings": "yellow", "errors": "bold red", "missing": "dim"}
        for table in (*TABLES, SCORE15_RESPONSES.name):
            status = self.status(table)
            if status == "missing" and table == SCORE15_RESPONSES.name:
                status = "absent (optional)"
            rows = self.tables.get(table)
            summary.add_row(
                table,
                self.files.get(table, "-"),
                f"{rows:,}" if rows is not None else "-",
                Text(status, style=styles.get(status, "dim")),
            )
        parts: list = [summary]
        if self.problems:
            listing = RichTable(title="Problems", title_justify="left", show_lines=False)
            listing.add_column("severity")
            listing.add_column("rule")
            listing.add_column("problem", overflow="fold")
            for p in self.problems:
                style = "bold red" if p.is_error else "yellow"
                # Text, not markup: a message may quote a cell that contains brackets.
                listing.add_row(Text(p.severity, style=style), p.rule, Text(p.message))
            parts.append(listing)
        parts.append(Text(self.summary(), style="green" if self.ok else "bold red"))
        return Group(*parts)
