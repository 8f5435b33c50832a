"""`ontrack explain`: why one family is on a cohort's ranked list, child by child.

It only reads the reasons stored with the ranked list (computed once when the cohort was scored);
it never recomputes SHAP values, so what it prints is what practitioners were shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from ontrack_model.cli._common import console, friendly_errors
from ontrack_model.errors import CohortError, TrackingError
from ontrack_model.liststore import ModelBundle, load_bundle


def register(app: typer.Typer) -> None:
    """Add `explain` to the `ontrack` app."""
    app.command("explain")(explain)


def _load(version: str | None, store: Path | None) -> ModelBundle:
    if version is None:
        from ontrack_model.tracking import champion_version

        version = champion_version()
    try:
        return load_bundle(version, store)
    except FileNotFoundError as exc:
        raise TrackingError(
            f"{exc}; train a model with `ontrack train`, or pass --store or --version"
        ) from None


def _reasons(cell: object) -> list[dict]:
    return json.loads(cell) if isinstance(cell, str) and cell else []


def _reason_lines(reasons: list[dict]) -> str:
    if not reasons:
        return "(no reason stands out)"
    return "\n".join(("▲ " if r["direction"] == "raises" else "▼ ") + r["text"] for r in reasons)


def _print_family(family: pd.Series, n_ranked: int) -> None:
    console.print(
        f"Rank [bold]{int(family['rank'])}[/bold] of {n_ranked} families "
        f"({int(family['rank_in_borough'])} in {family['borough']}); higher score than "
        f"{family['percentile']:.0f}% of families; estimated chance of entering care "
        f"{family['probability']:.1%}.",
        highlight=False,
    )
    if family["open_to_social_care"]:
        console.print("A child of this family is open to social care on the as-of date.")
    console.print("[bold]Main reasons (from the highest-scoring child):[/bold]")
    console.print(_reason_lines(_reasons(family["reasons"])), highlight=False)
    for note in _reasons(family["data_quality"]):
        console.print(f"Data note: {note}", highlight=False)


@friendly_errors
def explain(
    cohort: int = typer.Option(
        ..., "--cohort", help="Year 6 cohort, by the calendar year its school year ends in (e.g. 2024)."
    ),
    family: str = typer.Option(..., "--family", help="The family's pseudonymous ID, as shown on the list."),
    store: Path | None = typer.Option(
        None, "--store", help="Ranked-list store directory (default: $ONTRACK_STORE or mlruns/ontrack-store)."
    ),
    version: str | None = typer.Option(
        None, "--version", help="Registered model version whose list to read (default: the champion)."
    ),
) -> None:
    """Show a family's rank and, for each of its children, the reasons behind their score."""
    bundle = _load(version, store)
    if cohort not in bundle.families:
        listed = ", ".join(map(str, bundle.cohorts)) or "none"
        raise CohortError(
            f"model version {bundle.version} has no ranked list for cohort {cohort} (it has: {listed})"
        )
    families = bundle.families[cohort]
    children = bundle.children.get(cohort, pd.DataFrame(columns=["family_id"]))
    ranked = families[families["family_id"].astype(str) == family]
    kids = children[children["family_id"].astype(str) == family]
    if ranked.empty and kids.empty:
        raise CohortError(f"family {family} is not in cohort {cohort} of model version {bundle.version}")
    heading = f"[bold]Family {family}[/bold], cohort {cohort}, model version {bundle.version}"
    console.print(heading, highlight=False)
    if ranked.empty:
        console.print("Not ranked on this list (for example, already open to social care).")
    else:
        _print_family(ranked.iloc[0], len(families))
    if kids.empty:
        return
    table = Table(title="Children in this cohort, highest score first", show_lines=True)
    table.add_column("pupil")
    table.add_column("school")
    table.add_column("chance", justify="right")
    table.add_column("reasons (▲ raises the score, ▼ lowers it), strongest first")
    for _, child in kids.sort_values(["score", "pupil_id"], ascending=[False, True]).iterrows():
        table.add_row(
            str(child["pupil_id"]),
            str(child["school_id"]),
            f"{child['probability']:.1%}",
            _reason_lines(_reasons(child["reasons"])),
        )
    console.print(table)
