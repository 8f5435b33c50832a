"""`ontrack generate`: write a synthetic school and social-care extract (with its ground truth)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ontrack_model.cli._common import console, friendly_errors


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ontrack` app."""
    app.command("generate")(generate)


@friendly_errors
def generate(
    out: Path = typer.Option(
        ..., "--out", help="Directory to write the synthetic extract into (created; must be empty or absent)."
    ),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same options give byte-identical files."),
    first_year: int = typer.Option(
        2012, "--first-year", help="First cohort: Year 6 in the school year ending in this calendar year."
    ),
    last_year: int = typer.Option(
        2026, "--last-year", help="Last cohort; the extract is dated 1 July of this year."
    ),
    scale: str = typer.Option(
        "tri-borough",
        "--scale",
        help="'tri-borough' (LBHF, RBKC, WCC), 'national' (~650,000 Year 6 pupils a year in 150 LAs), "
        "or a whole number of Year 6 pupils a year.",
    ),
    surveillance_bias: list[str] = typer.Option(
        [],
        "--surveillance-bias",
        help="GROUP=FACTOR: record this group's contacts and referrals FACTOR times as often for the "
        "same need (GROUP: an ethnicity code such as BLAC, or sex:M, sex:F, fsm:Y, fsm:N). Repeatable.",
    ),
    file_format: str = typer.Option("csv", "--format", help="File format of the tables: csv or parquet."),
    force: bool = typer.Option(False, "--force", help="Replace --out if it already holds files."),
) -> None:
    """Generate a SYNTHETIC extract (made-up children) with the data contract's exact shape."""
    from ontrack_model.synth import generate_world
    from ontrack_model.synth.config import parse_bias_option

    bias = dict(parse_bias_option(text) for text in surveillance_bias)
    with Progress(
        TextColumn("[bold]{task.description:<32}"), BarColumn(), TimeElapsedColumn(), console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=1.0)
        summary = generate_world(
            out,
            seed=seed,
            first_year=first_year,
            last_year=last_year,
            scale=scale,
            surveillance_bias=bias,
            file_format=file_format,
            progress=lambda stage, fraction: bar.update(task, description=stage, completed=fraction),
            overwrite=force,
        )
    table = Table(title=f"Synthetic extract written to {summary.out_dir}", show_header=True)
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    rate = summary.labelled_rate()
    outcome = (
        f"entry to care within 5 years (complete cohorts): {rate:.2%}"
        if rate == rate
        else "no cohort's 5-year horizon has ended by the extract date"
    )
    console.print(
        f"Cohorts {summary.first_year}-{summary.last_year}, extract date {summary.extract_date}, "
        f"boroughs: {len(summary.boroughs)}; Year 6 pupils a year: {summary.year6_per_year:,.0f}; {outcome}."
    )
