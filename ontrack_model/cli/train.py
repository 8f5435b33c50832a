"""`ontrack train` and `ontrack models`: yearly retraining and the model registry."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ontrack_model.cli._common import console, friendly_errors

models_app = typer.Typer(
    help="List registered model versions and move the champion (rollback).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add `train` and `models` to the `ontrack` app."""
    app.command("train")(train)
    app.add_typer(models_app, name="models")


@friendly_errors
def train(
    data: Path = typer.Option(..., "--data", help="Extract directory (validated against the data contract)."),
    config: Path | None = typer.Option(
        None, "--config", help="Training configuration YAML (default: built-in)."
    ),
    capacity: int | None = typer.Option(None, "--capacity", help="Families the team can take a year (k)."),
    experiment: str | None = typer.Option(None, "--experiment", help="MLflow experiment name."),
    seed: int | None = typer.Option(
        None, "--seed", help="Random seed (same data + seed + config = same model)."
    ),
    force: bool = typer.Option(False, "--force", help="Make the new model the champion even if it is worse."),
    store: Path | None = typer.Option(
        None, "--store", help="Ranked-list store (default mlruns/ontrack-store)."
    ),
) -> None:
    """Retrain on the labelled cohorts, validate over time, register the model and rank the current cohort."""
    from training.config import load_config
    from training.pipeline import train as run_training

    cfg = load_config(config).with_overrides(capacity=capacity, experiment=experiment, seed=seed)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        result = run_training(data, cfg, force=force, store_root=store, progress=progress)

    table = Table(title=f"Candidates on validation cohorts (k = {cfg.capacity} families)")
    for col in ("candidate", "precision@k", "recall@k", "lift", "AUC", "AP", "Brier", "selection"):
        table.add_column(col, justify="right" if col != "candidate" else "left")
    for _, r in result.summary.iterrows():
        mark = " ★" if r["candidate"] == result.chosen else ""
        table.add_row(
            f"{r['candidate']}{mark}",
            f"{r['precision_at_k_mean']:.3f} ± {r['precision_at_k_std']:.3f}",
            f"{r['recall_at_k_mean']:.3f}",
            f"{r['lift_at_k_mean']:.1f}",
            f"{r['auc_mean']:.3f}",
            f"{r['average_precision_mean']:.3f}",
            "-" if r["brier_mean"] != r["brier_mean"] else f"{r['brier_mean']:.4f}",
            f"{r['selection_score']:.3f}",
        )
    console.print(table)
    latest = result.challenger_latest
    console.print(
        f"Chosen: [bold]{result.chosen}[/bold]. Latest labelled cohort {result.latest_year}: "
        f"precision@k {latest['precision_at_k']:.3f}, recall@k {latest['recall_at_k']:.3f}, "
        f"AUC {latest['auc']:.3f}; calibration error (ECE) {result.ece_latest:.4f}."
    )
    console.print(f"Registered version {result.version} (run {result.run_id}): {result.decision}.")
    console.print(
        f"Ranked list of cohort {result.current_cohort}: {result.n_families_listed} families, stored in "
        f"{result.bundle_dir}."
    )
    if result.flags:
        console.print(f"[yellow]Fairness audit flags on validation cohorts: {len(result.flags)}[/yellow]")


@models_app.command("list")
@friendly_errors
def list_models() -> None:
    """Show registered versions, newest first, and which one is the champion."""
    from ontrack_model.tracking import list_model_versions

    frame = list_model_versions()
    if frame.empty:
        console.print("No model is registered yet: run `ontrack train --data DIR`.")
        return
    table = Table(title="Registered model versions")
    for col in ("version", "aliases", "created", "precision@k (latest)", "AUC (latest)", "run"):
        table.add_column(col)
    for _, r in frame.iterrows():
        table.add_row(
            str(r["version"]),
            r["aliases"] or "",
            str(r["created"])[:19],
            "-" if r["precision_at_k"] is None else f"{r['precision_at_k']:.3f}",
            "-" if r["auc"] is None else f"{r['auc']:.3f}",
            r["run_id"] or "",
        )
    console.print(table)


@models_app.command("promote")
@friendly_errors
def promote(version: str = typer.Argument(..., help="Registered version to make the champion.")) -> None:
    """Make VERSION the champion (e.g. to roll back); serving picks it up on reload."""
    from ontrack_model.errors import TrackingError
    from ontrack_model.liststore import stored_versions
    from ontrack_model.tracking import set_champion

    if version not in stored_versions():
        raise TrackingError(f"version {version} has no stored ranked list; it cannot be served")
    set_champion(version)
    console.print(f"Version {version} is now the champion. Reload the service to serve it.")
