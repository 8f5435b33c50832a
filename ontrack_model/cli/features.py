"""`ontrack` commands: features (a cohort's feature matrix, or the feature dictionary), cohorts, splits."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich import box
from rich.table import Table

from ontrack_model.cli._common import console, err_console, friendly_errors
from ontrack_model.errors import ConfigError

EVENT_TABLES = ("pupils", "school_census", "attendance", "exclusions", "social_care", "police_notifications")

DataOption = Annotated[
    Path,
    typer.Option(
        "--data",
        "-d",
        help="The extract directory (manifest.json plus one file per table).",
        show_default=False,
    ),
]
AsOfMonth = Annotated[
    int, typer.Option("--as-of-month", help="Month of the as-of date in the cohort's Year 6 (4-8).")
]
AsOfDay = Annotated[int, typer.Option("--as-of-day", help="Day of the month of the as-of date.")]
Horizon = Annotated[
    int,
    typer.Option("--horizon-years", help="Years after the as-of date in which an entry to care is counted."),
]


class DescribeFormat(StrEnum):
    """How `features --describe` prints the dictionary."""

    table = "table"
    markdown = "markdown"
    csv = "csv"


def _load(data: Path):
    from ontrack_model.validation import load_extract

    with err_console.status("Loading and checking the extract"):
        return load_extract(data, tables=EVENT_TABLES)


def _cohort_config(as_of_month: int, as_of_day: int, horizon_years: int):
    from ontrack_model.cohorts import CohortConfig

    return CohortConfig(as_of_month=as_of_month, as_of_day=as_of_day, horizon_years=horizon_years)


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write `frame` as Parquet or CSV (by the file's extension) through a temporary file and a rename."""
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ConfigError(f"--out must end in .parquet or .csv, got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def markdown_table(frame: pd.DataFrame) -> str:
    """A frame as a GitHub-flavoured Markdown table (pipes in cells escaped)."""

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(cell, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _describe(fmt: DescribeFormat) -> None:
    from ontrack_model.features import FEATURE_DICTIONARY_VERSION, feature_dictionary

    frame = feature_dictionary()
    if fmt is DescribeFormat.csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    elif fmt is DescribeFormat.markdown:
        typer.echo(f"Feature dictionary {FEATURE_DICTIONARY_VERSION} ({len(frame)} features)\n")
        typer.echo(markdown_table(frame))
    else:
        table = Table(title=f"Feature dictionary {FEATURE_DICTIONARY_VERSION} ({len(frame)} features)")
        for column in ("name", "group", "kind", "window", "level", "description"):
            table.add_column(column, overflow="fold")
        for row in frame.itertuples(index=False):
            table.add_row(row.name, row.group, row.kind, row.window, row.level, row.description)
        console.print(table)


EXCLUSION_HEADERS = {
    "left_before_as_of": "left",
    "looked_after_on_as_of": "in\ncare",
    "not_in_pupils_table": "no pupil\nrow",
}


def _status(labelled: bool) -> str:
    return "labelled" if labelled else "censored (score only)"


def register(app: typer.Typer) -> None:
    """Add `features`, `cohorts` and `splits` to the `ontrack` app."""

    @app.command(
        "features",
        help=(
            "Build one Year 6 cohort's feature matrix from an extract, or describe every feature.\n\n"
            "Features use only records dated before the cohort's as-of date. The file holds pupil_id, "
            "family_id, cohort, label (empty when the cohort is censored), then the features in "
            "dictionary order."
        ),
    )
    @friendly_errors
    def features(
        data: Annotated[
            Path | None,
            typer.Option(
                "--data", "-d", help="The extract directory (not needed with --describe).", show_default=False
            ),
        ] = None,
        cohort: Annotated[
            int | None,
            typer.Option(
                "--cohort",
                help="Cohort year: the school year ending in it, e.g. 2019 = Year 6 in "
                "2018/19. Default: the latest cohort whose as-of date has passed.",
            ),
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option(
                "--out", "-o", help="Output file, .parquet or .csv (written atomically).", show_default=False
            ),
        ] = None,
        describe: Annotated[
            bool,
            typer.Option("--describe", help="Print the feature dictionary instead of building features."),
        ] = False,
        fmt: Annotated[
            DescribeFormat, typer.Option("--format", help="Format of --describe: table, markdown or csv.")
        ] = DescribeFormat.table,
        include_protected: Annotated[
            list[str] | None,
            typer.Option(
                "--include-protected",
                help="Also use this protected characteristic as a feature "
                "(sex or ethnicity; repeat for both). Off by default.",
            ),
        ] = None,
        as_of_month: AsOfMonth = 6,
        as_of_day: AsOfDay = 1,
        horizon_years: Horizon = 5,
    ) -> None:
        """Build one cohort's feature matrix, or print the feature dictionary."""
        if describe:
            _describe(fmt)
            return
        if data is None or out is None:
            raise ConfigError("give --data DIR and --out FILE to build features, or --describe")
        from ontrack_model.cohorts import latest_cohort_year
        from ontrack_model.features import FeatureBuilder, FeatureConfig

        if out.suffix.lower() not in (".parquet", ".csv"):
            raise ConfigError(f"--out must end in .parquet or .csv, got {out.name!r}")
        config = _cohort_config(as_of_month, as_of_day, horizon_years)
        feature_config = FeatureConfig(include_protected=tuple(include_protected or ()))
        extract = _load(data)
        year = cohort if cohort is not None else latest_cohort_year(extract, config)
        with err_console.status(f"Building the features of cohort {year}"):
            matrix = FeatureBuilder(extract, config, feature_config).matrix(year)
        write_frame(matrix.to_frame(), out)
        c = matrix.cohort
        console.print(
            f"Cohort {year} (as of {c.as_of}, {_status(c.labelled)}): {c.n} pupils, "
            f"{matrix.X.shape[1]} features -> {out}"
        )

    @app.command(
        "cohorts",
        help=(
            "List the Year 6 cohorts of an extract: pupils, exclusions, entries to care and whether each "
            "cohort is labelled (its horizon has passed) or censored (it can only be scored)."
        ),
    )
    @friendly_errors
    def cohorts(
        data: DataOption,
        as_of_month: AsOfMonth = 6,
        as_of_day: AsOfDay = 1,
        horizon_years: Horizon = 5,
    ) -> None:
        """Print one row per cohort: pupils, exclusions, positives, rate, labelled or censored."""
        from ontrack_model.cohorts import EXCLUSION_REASONS, CohortBuilder

        config = _cohort_config(as_of_month, as_of_day, horizon_years)
        builder = CohortBuilder(_load(data), config)
        summary = builder.summary()
        day = dt.date(2001, as_of_month, as_of_day).strftime("%d %B").lstrip("0")
        table = Table(
            box=box.SIMPLE_HEAD,
            collapse_padding=True,
            pad_edge=False,
            title=f"Year 6 cohorts as of {day} of each cohort year; entries to care within {horizon_years} "
            f"years; extract date {builder.extract_date}",
        )
        headers = (
            "cohort",
            "pupils",
            *EXCLUSION_HEADERS.values(),
            "entered\ncare",
            "rate",
            "horizon\nend",
            "status",
        )
        rows = [
            (
                str(row.cohort),
                f"{row.n:,}",
                *(f"{getattr(row, f'excluded_{k}'):,}" for k in EXCLUSION_HEADERS),
                f"{row.positives:,}" if row.labelled else "-",
                f"{row.rate:.2%}" if row.labelled else "-",
                str(row.horizon_end),
                "labelled" if row.labelled else "censored",
            )
            for row in summary.itertuples(index=False)
        ]
        for header in headers:  # headers are pre-wrapped so the table fits 80 columns without cutting cells
            table.add_column(header, justify="left" if header == "status" else "right", no_wrap=True)
        for cells in rows:
            table.add_row(*cells)
        console.print(table)
        console.print("Excluded from a cohort:", highlight=False)
        for key, header in EXCLUSION_HEADERS.items():
            console.print(f"  {header.replace(chr(10), ' ')}: {EXCLUSION_REASONS[key]}", highlight=False)
        console.print(
            "Censored: the horizon ends after the extract date; the cohort is scored, never trained on.",
            highlight=False,
        )

    @app.command(
        "splits",
        help=(
            "Show the temporal validation plan: for each of the last labelled cohorts, the earlier "
            "cohorts a model is trained on; then the final fit and the cohort it scores. With --out, "
            "also draw it as a PNG."
        ),
    )
    @friendly_errors
    def splits(
        data: DataOption,
        n_validation: Annotated[
            int,
            typer.Option("--n-validation", help="How many of the latest labelled cohorts to validate on."),
        ] = 3,
        min_train_years: Annotated[
            int,
            typer.Option("--min-train-years", help="Fewest earlier cohorts a validation split trains on."),
        ] = 3,
        min_gap_years: Annotated[
            int,
            typer.Option(
                "--min-gap-years",
                help="Train only on cohorts at least this many years before the validation cohort; set it "
                "to the horizon to use only outcomes already known on the validation cohort's as-of date.",
            ),
        ] = 1,
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help="Write the diagram to this PNG file.", show_default=False),
        ] = None,
        as_of_month: AsOfMonth = 6,
        as_of_day: AsOfDay = 1,
        horizon_years: Horizon = 5,
    ) -> None:
        """Print the rolling-origin splits and the final fit; optionally draw them."""
        from ontrack_model.cohorts import cohort_years, labelled_years, latest_cohort_year
        from ontrack_model.splits import final_fit_years, plot_splits, rolling_origin_splits

        if out is not None and out.suffix.lower() != ".png":
            raise ConfigError(f"--out must end in .png, got {out.name!r}")
        config = _cohort_config(as_of_month, as_of_day, horizon_years)
        extract = _load(data)
        labelled = labelled_years(extract, config)
        plan = rolling_origin_splits(labelled, n_validation, min_train_years, min_gap_years)
        final = final_fit_years(labelled)
        latest = latest_cohort_year(extract, config)
        score = (latest,) if latest not in labelled else ()
        table = Table(title="Temporal splits (train only on cohorts before the one evaluated)")
        for column in ("step", "train on cohorts", "evaluate / score"):
            table.add_column(column)
        for s in plan:
            table.add_row(
                f"validate {s.validation_year}", _years(s.train_years), f"validate {s.validation_year}"
            )
        table.add_row("final fit", _years(final), f"score {latest}" if score else "(no censored cohort)")
        console.print(table)
        if out is not None:
            censored = [
                y for y in cohort_years(extract) if y not in labelled and y not in score and y <= latest
            ]
            plot_splits(plan, final, score, out, censored)
            console.print(f"Diagram written to {out}")


def _years(years: tuple[int, ...]) -> str:
    if len(years) > 1 and list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]} ({len(years)})"
    return ", ".join(map(str, years))
