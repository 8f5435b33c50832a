"""`ontrack rank`: the family-level ranked list of a cohort, from the stored lists of a model."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from ontrack_model.cli._common import console, friendly_errors
from ontrack_model.errors import OnTrackError


def register(app: typer.Typer) -> None:
    """Add `rank` to the `ontrack` app."""
    app.command("rank")(rank)


@friendly_errors
def rank(
    cohort: int = typer.Option(..., "--cohort", help="Year 6 cohort (school year ending), e.g. 2026."),
    out: Path = typer.Option(..., "--out", help="Output file: .csv or .json."),
    borough: str | None = typer.Option(None, "--borough", help="Only this borough's families."),
    capacity: int | None = typer.Option(
        None, "--capacity", help="Only the top K families (after the borough filter)."
    ),
    version: str | None = typer.Option(None, "--version", help="Model version (default: the champion)."),
    store: Path | None = typer.Option(
        None, "--store", help="Ranked-list store (default mlruns/ontrack-store)."
    ),
) -> None:
    """Write a cohort's ranked family list with each family's top reasons (as stored at training time)."""
    from ontrack_model.liststore import load_bundle

    if capacity is not None and capacity <= 0:
        raise OnTrackError(f"--capacity must be a positive number of families, got {capacity}")
    if out.suffix.lower() not in (".csv", ".json"):
        raise OnTrackError(f"--out must end in .csv or .json, got {out.name}")
    if version is None:
        from ontrack_model.tracking import champion_version

        version = champion_version()
    try:
        bundle = load_bundle(version, store)
    except FileNotFoundError as exc:
        raise OnTrackError(str(exc)) from None
    if cohort not in bundle.families:
        raise OnTrackError(
            f"model version {version} has no ranked list for cohort {cohort}; "
            f"stored cohorts: {', '.join(map(str, bundle.cohorts)) or 'none'}"
        )
    families = bundle.families[cohort]
    if borough is not None:
        known = sorted(families["borough"].unique())
        if borough not in known:
            raise OnTrackError(f"unknown borough {borough!r}; boroughs in this list: {', '.join(known)}")
        families = families[families["borough"] == borough]
    if capacity is not None:
        families = families.head(capacity)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    if out.suffix.lower() == ".csv":
        flat = families.copy()
        flat["reasons"] = flat["reasons"].map(lambda s: " | ".join(r["text"] for r in json.loads(s)))
        flat["data_quality"] = flat["data_quality"].map(lambda s: " | ".join(json.loads(s)))
        flat.to_csv(tmp, index=False)
    else:
        records = families.to_dict(orient="records")
        for r in records:
            r["reasons"] = json.loads(r["reasons"])
            r["data_quality"] = json.loads(r["data_quality"])
        tmp.write_text(
            json.dumps(
                {"cohort": cohort, "model_version": version, "families": records}, indent=2, default=str
            )
        )
    tmp.replace(out)

    table = Table(
        title=f"Cohort {cohort}, model version {version}: top families"
        + (f" in {borough}" if borough else "")
    )
    for col in ("rank", "family", "borough", "probability", "top reasons"):
        table.add_column(col)
    for _, r in families.head(10).iterrows():
        reasons = [x["text"] for x in json.loads(r["reasons"]) if x["direction"] == "raises"][:2]
        table.add_row(
            str(r["rank"]), r["family_id"], r["borough"], f"{r['probability']:.1%}", "; ".join(reasons)
        )
    console.print(table)
    console.print(f"Wrote {len(families)} families to {out}.")
