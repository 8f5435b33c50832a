"""`ontrack score15 ...`: score SCORE-15 questionnaires, measure change, and summarise a cohort."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from ontrack_model.cli._common import console, friendly_errors
from ontrack_model.errors import Score15Error
from ontrack_model.score15 import (
    SCORES,
    ResponseSet,
    Score15Config,
    cohort_summary,
    family_change,
    read_responses,
    respondent_change,
    score_administrations,
)
from ontrack_model.score15.change import DETERIORATED, IMPROVED
from ontrack_model.score15.config import DEFAULT_RELIABILITY, DIMENSION_NAMES
from ontrack_model.score15.export import write_json, write_table, write_text

_SHOWN_ROWS = 40


class Coding(StrEnum):
    """How the file codes answers."""

    paper = "paper"
    reversed = "reversed"


class UnderAge(StrEnum):
    """What to do with a respondent under the minimum age."""

    flag = "flag"
    exclude = "exclude"
    error = "error"


class Level(StrEnum):
    """Whose change to report."""

    family = "family"
    respondent = "respondent"


ResponsesOpt = Annotated[
    Path,
    typer.Option(
        "--responses",
        help="SCORE-15 responses file (.csv or .json), one row per respondent per administration.",
        show_default=False,
    ),
]
CodingOpt = Annotated[
    Coding,
    typer.Option(
        "--coding",
        help="How the file codes answers: 'paper' (1 = describes us very well ... 5 = not at all) or "
        "'reversed' (1 = not at all ... 5 = very well). Required: it is never guessed.",
        show_default=False,
    ),
]
MinItemsOpt = Annotated[
    int,
    typer.Option(
        "--min-items",
        min=1,
        max=5,
        help="Items (of 5) a dimension score needs; fewer answered leaves it empty.",
    ),
]
TotalDimsOpt = Annotated[
    int, typer.Option("--total-min-dimensions", min=1, max=3, help="Dimension scores (of 3) the total needs.")
]
MinAgeOpt = Annotated[
    int, typer.Option("--min-age", min=0, help="Youngest age at which SCORE-15 is completed.")
]
UnderAgeOpt = Annotated[
    UnderAge,
    typer.Option(
        "--under-age",
        help="Respondents under --min-age: keep and flag them, exclude them (counted), or stop with "
        "an error.",
    ),
]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Start of the window (YYYY-MM-DD): baseline is each respondent's first administration on or "
        "after it.",
        show_default=False,
        metavar="YYYY-MM-DD",
    ),
]
ToOpt = Annotated[
    str | None,
    typer.Option(
        "--to",
        help="End of the window (YYYY-MM-DD): follow-up is each respondent's latest administration on or "
        "before it.",
        show_default=False,
        metavar="YYYY-MM-DD",
    ),
]
FamilyMinOpt = Annotated[
    int,
    typer.Option(
        "--family-min-respondents",
        min=1,
        help="Respondents with both administrations a family needs before its change is reported.",
    ),
]
ReferenceSdOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--reference-sd",
        help="Reference-sample SD for the Reliable Change Index, as SCORE=VALUE (e.g. total=0.55, "
        "dimension_2=0.7) or a bare VALUE for the total; repeat for several. Scores without one use the SD "
        "of the "
        "first administrations in the data, and the output says so.",
        show_default=False,
        metavar="SCORE=VALUE",
    ),
]
ReliabilityOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--reliability",
        help="Reliability (e.g. Cronbach's alpha) for the Reliable Change Index, as SCORE=VALUE or "
        "a bare VALUE for the total; repeat for several. Defaults: total 0.89 (Stratton 2014); dimensions "
        "0.89 / 0.87 / 0.73 (Korean validation 2020).",
        show_default=False,
        metavar="SCORE=VALUE",
    ),
]


def _parse_by_score(values: list[str] | None, option: str) -> dict[str, float]:
    """'total=0.5' / '0.5' (the total) / 'dimension_1=0.6' into {score: value}."""
    out: dict[str, float] = {}
    for raw in values or []:
        score, _, number = raw.rpartition("=")
        score = score.strip() or "total"
        if score not in SCORES:
            raise Score15Error(f"{option} {raw!r}: unknown score {score!r}; use one of {list(SCORES)}")
        try:
            out[score] = float(number)
        except ValueError:
            raise Score15Error(f"{option} {raw!r}: {number!r} is not a number") from None
    return out


def _read(responses: Path, coding: Coding, min_age: int, under_age: UnderAge) -> ResponseSet:
    data = read_responses(responses, coding.value, min_age=min_age, under_age=under_age.value)
    info = data.import_summary()
    console.print(
        f"Read {info['rows_read']} row(s) from {responses.name} ({coding.value} coding): "
        f"{info['rows_kept']} kept, "
        f"{info['rows_excluded']} excluded, {info['rows_flagged']} flagged; {info['families']} families.",
        highlight=False,
        markup=False,
    )
    for reason, n in {**info["excluded_by_reason"], **info["flagged_by_reason"]}.items():
        console.print(f"  {n} row(s): {reason}", highlight=False, markup=False)
    return data


def _config(
    min_items: int,
    total_dims: int,
    family_min: int = 1,
    reference_sd: list[str] | None = None,
    reliability: list[str] | None = None,
) -> Score15Config:
    return Score15Config(
        min_items_per_dimension=min_items,
        total_min_dimensions=total_dims,
        family_min_respondents=family_min,
        reference_sd=_parse_by_score(reference_sd, "--reference-sd"),
        reliability={**DEFAULT_RELIABILITY, **_parse_by_score(reliability, "--reliability")},
    )


def _show(frame: pd.DataFrame, title: str, columns: list[str]) -> None:
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col.replace("_", " "), justify="left" if frame[col].dtype == object else "right")
    for _, row in frame.head(_SHOWN_ROWS).iterrows():
        table.add_row(*[_cell(row[c]) for c in columns])
    console.print(table)
    if len(frame) > _SHOWN_ROWS:
        console.print(f"... and {len(frame) - _SHOWN_ROWS} more rows (use --out to write them all).")


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or value is pd.NaT:
        return "-"
    if isinstance(value, pd.Timestamp | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _change_cell(change: float, reliable: str | None) -> str:
    if pd.isna(change):
        return "-"
    mark = {IMPROVED: " RI", DETERIORATED: " RD"}.get(reliable or "", "")
    return f"{change:+.2f}{mark}" if change else f"0.00{mark}"


def _rules(rules: dict[str, str]) -> None:
    console.print("[bold]Rules[/bold]")
    for key, text in rules.items():
        console.print(f"  {key.replace('_', ' ')}: {text}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ontrack` app."""
    group = typer.Typer(
        help="Evaluate families' change on SCORE-15 (higher score = more difficulties; a fall is positive "
        "change).",
        no_args_is_help=True,
    )
    app.add_typer(group, name="score15")

    @group.command("score")
    @friendly_errors
    def score(
        responses: ResponsesOpt,
        coding: CodingOpt,
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Write every administration's scores to this .csv or .json file."),
        ] = None,
        min_items: MinItemsOpt = 4,
        total_min_dimensions: TotalDimsOpt = 3,
        min_age: MinAgeOpt = 12,
        under_age: UnderAgeOpt = UnderAge.flag,
    ) -> None:
        """Score each administration: dimensions 1-3 and total, 1-5 (higher = more difficulties)."""
        data = _read(responses, coding, min_age, under_age)
        config = _config(min_items, total_min_dimensions)
        scores = score_administrations(data, config)
        _show(
            scores,
            "SCORE-15 scores per administration",
            ["family_id", "respondent_id", "role", "date", "items_answered", *SCORES],
        )
        _rules(config.rules())
        if out:
            write_table(scores, out, config.rules())
            console.print(f"Wrote {len(scores)} administration(s) to {out}")

    @group.command("change")
    @friendly_errors
    def change(
        responses: ResponsesOpt,
        coding: CodingOpt,
        from_date: FromOpt = None,
        to_date: ToOpt = None,
        level: Annotated[
            Level,
            typer.Option(
                "--level",
                help="Report change per family (mean over respondents who completed both) or per respondent.",
            ),
        ] = Level.family,
        out: Annotated[
            Path | None, typer.Option("--out", help="Write the change table to this .csv or .json file.")
        ] = None,
        reference_sd: ReferenceSdOpt = None,
        reliability: ReliabilityOpt = None,
        min_items: MinItemsOpt = 4,
        total_min_dimensions: TotalDimsOpt = 3,
        family_min_respondents: FamilyMinOpt = 1,
        min_age: MinAgeOpt = 12,
        under_age: UnderAgeOpt = UnderAge.flag,
    ) -> None:
        """Change between first and latest administration (or within --from/--to), with reliable change."""
        data = _read(responses, coding, min_age, under_age)
        config = _config(min_items, total_min_dimensions, family_min_respondents, reference_sd, reliability)
        fn = family_change if level is Level.family else respondent_change
        table = fn(data, config, from_date, to_date)
        key = ["family_id"] if level is Level.family else ["family_id", "respondent_id"]
        shown = table[key].copy()
        for s in SCORES:
            shown[s] = [
                _change_cell(c, r) for c, r in zip(table[f"{s}_change"], table[f"{s}_reliable"], strict=True)
            ]
        _show(shown, f"SCORE-15 change per {level.value} (negative = improvement)", [*key, *SCORES])
        console.print(
            "  RI = reliably improved, RD = reliably deteriorated (Reliable Change Index); - = no change "
            "data",
            highlight=False,
            markup=False,
        )
        _rules(config.rules())
        for score_name, p in table.attrs["rci"].items():
            console.print(
                f"  RCI {score_name}: reference SD from {p['reference_sd_source']}; reliability "
                f"from {p['reliability_source']}",
                highlight=False,
                markup=False,
            )
        if out:
            write_table(
                table,
                out,
                {
                    **config.rules(),
                    **{
                        f"rci_{s}": f"SD={p['reference_sd']} ({p['reference_sd_source']}); "
                        f"r={p['reliability']} "
                        f"({p['reliability_source']})"
                        for s, p in table.attrs["rci"].items()
                    },
                },
            )
            console.print(f"Wrote {len(table)} row(s) to {out}")

    @group.command("summary")
    @friendly_errors
    def summary(
        responses: ResponsesOpt,
        coding: CodingOpt,
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                help="Write the summary as JSON (summary.json) or a self-contained HTML report "
                "(report.html) with embedded plots.",
            ),
        ] = None,
        reference_sd: ReferenceSdOpt = None,
        reliability: ReliabilityOpt = None,
        suppress_below: Annotated[
            int | None,
            typer.Option(
                "--suppress-below",
                min=2,
                help="For publication: hide counts below this number (and counts that "
                "would reveal them); the sentences avoid them.",
            ),
        ] = None,
        from_date: FromOpt = None,
        to_date: ToOpt = None,
        min_items: MinItemsOpt = 4,
        total_min_dimensions: TotalDimsOpt = 3,
        family_min_respondents: FamilyMinOpt = 1,
        min_age: MinAgeOpt = 12,
        under_age: UnderAgeOpt = UnderAge.flag,
    ) -> None:
        """Cohort summary: families with positive and reliable change per dimension and total, in words."""
        if out and out.suffix.lower() not in (".json", ".html"):
            raise Score15Error(f"--out {out.name!r}: the summary is written as .json or .html")
        data = _read(responses, coding, min_age, under_age)
        config = _config(min_items, total_min_dimensions, family_min_respondents, reference_sd, reliability)
        result = cohort_summary(data, config, suppress_below, from_date, to_date)
        table = Table(title="SCORE-15 cohort summary (families)")
        table.add_column("score")
        for key in (
            "families_with_change_data",
            "positive_change",
            "reliable_improvement",
            "reliable_deterioration",
        ):
            table.add_column(key.replace("_", " "), justify="right")
        for s in SCORES:
            table.add_row(
                DIMENSION_NAMES[s] if s == "total" else f"{s[-1]} {DIMENSION_NAMES[s]}",
                *[
                    str(result[s][k])
                    for k in (
                        "families_with_change_data",
                        "positive_change",
                        "reliable_improvement",
                        "reliable_deterioration",
                    )
                ],
            )
        console.print(table)
        console.print(result["sentence"], highlight=False, markup=False)
        if result["reliable_change_sentence"]:
            console.print(result["reliable_change_sentence"], highlight=False, markup=False)
        for note in result["rci"]["notes"]:
            console.print(f"  RCI {note}", highlight=False, markup=False)
        _rules(result["rules"])
        if out and out.suffix.lower() == ".html":
            from ontrack_model.score15.report import cohort_report_html

            write_text(cohort_report_html(data, config, suppress_below, from_date, to_date), out)
            console.print(f"Wrote the HTML report to {out}")
        elif out:
            write_json(result, out)
            console.print(f"Wrote the summary to {out}")
