"""`ontrack` commands: audit (fairness of a cohort's list at capacity) and report (the evaluator's HTML)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from ontrack_model.cli._common import console, friendly_errors
from ontrack_model.errors import ConfigError

TERMINAL_METRICS_LABELLED = [
    "group_size", "selection_rate", "selection_to_need", "precision", "recall", "fpr",
]
TERMINAL_METRICS_CURRENT = ["group_size", "selection_rate", "list_share"]


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` via a temporary file in the same folder and a rename (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _references(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        attribute, sep, group = pair.partition("=")
        if not sep or not attribute.strip() or not group.strip():
            raise ConfigError(f"--reference {pair!r}: expected ATTRIBUTE=GROUP, e.g. ethnicity=WHIT")
        out[attribute.strip()] = group.strip()
    return out


def _flags_table(flags: list[dict]) -> Table:
    from ontrack_model.fairness import METRIC_INFO

    table = Table(title="Flagged disparities (ratio interval wholly outside the band)")
    for col in ("attribute", "group", "metric", "ratio (95% interval)", "reference", "interval lies"):
        table.add_column(col)
    for f in flags:
        cells = [f["attribute"], f["group"], METRIC_INFO[f["metric"]].label,
                 f"{f['ratio']:.2f} ({f['ratio_ci_low']:.2f}–{f['ratio_ci_high']:.2f})",
                 str(f["reference_group"]), str(f["direction"])]
        table.add_row(*(Text(c) for c in cells))  # plain text: group labels are data, not markup
    return table


def _cohort_words(years: list[int]) -> str:
    return f"cohort {years[0]}" if len(years) == 1 else f"cohorts {', '.join(map(str, years))} pooled"


def _audit(data: Path, years: list[int], capacity: int, config, model_version: str | None):
    """Score the cohorts with the model and audit them (pooled when more than one)."""
    from ontrack_model.fairness import audit_cohort, audit_pooled
    from ontrack_model.scoring import score_cohort

    frames = {year: score_cohort(data, year, model_uri=model_version) for year in years}
    if len(years) == 1:
        return audit_cohort(frames[years[0]], capacity, config, cohort=years[0])
    unlabelled = [y for y, f in frames.items() if f["label"].isna().all()]
    if unlabelled:
        raise ConfigError(f"--cohort {unlabelled[0]}: has no outcomes yet, so it cannot be pooled; pool "
                          "labelled cohorts only, or audit the current cohort on its own")
    return audit_pooled(frames, capacity, config)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ontrack` app."""

    @app.command("audit")
    @friendly_errors
    def audit(
        data: Path = typer.Option(..., "--data", help="Folder of the extract (the event tables).",
                                  exists=True, file_okay=False),
        cohorts: list[int] = typer.Option(
            ..., "--cohort",
            help="Year 6 cohort to audit, by the calendar year its school year ends in. Repeat it to pool "
                 "labelled cohorts, each with its own list of k families."),
        capacity: int = typer.Option(100, "--capacity", min=1,
                                     help="Families the team can work with (k): the list is the top k."),
        out: Path | None = typer.Option(
            None, "--out", help="Write the full audit here as JSON (small cells already suppressed)."),
        resamples: int = typer.Option(
            1000, "--resamples", min=0, help="Bootstrap resamples of families for 95% intervals (0: none)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap, so the audit can be repeated."),
        suppress_below: int = typer.Option(10, "--suppress-below", min=0,
                                           help="Hide every figure resting on fewer children than this."),
        reference: list[str] = typer.Option([], "--reference",
                                            help="Reference group as ATTRIBUTE=GROUP (repeatable); "
                                                 "default: each attribute's largest group."),
        model_version: str | None = typer.Option(None, "--model-version",
                                                 help="Registered model version to score with; default: the "
                                                      "champion."),
    ) -> None:
        """Audit the list at capacity for a cohort (or several pooled): group metrics, ratios, intervals
        and flags."""
        from ontrack_model.fairness import AuditConfig
        from ontrack_model.fairness.display import rich_table

        config = AuditConfig(reference_groups=_references(reference), resamples=resamples, seed=seed,
                             suppress_below=suppress_below)
        years = sorted(set(cohorts))
        result = _audit(data, years, capacity, config, model_version)
        kind = "validation (outcomes known)" if result.labelled else "current (no outcomes yet)"
        console.print(f"[bold]Fairness audit[/bold] of {_cohort_words(years)}, {kind}: top {capacity} "
                      f"families, band {config.band[0]}–{config.band[1]}, {resamples} resamples "
                      f"(seed {seed}), figures from fewer than {suppress_below} children suppressed "
                      "as \\[c].")
        metrics = TERMINAL_METRICS_LABELLED if result.labelled else TERMINAL_METRICS_CURRENT
        for attribute in result.attributes:
            console.print(rich_table(result, attribute, metrics))
        if result.flags:
            console.print(_flags_table(result.flags))
        else:
            console.print("No disparity is flagged: no ratio's interval lies wholly outside the band.")
        for note in result.notes:
            console.print(f"[dim]Note:[/dim] {note}", highlight=False)
        if out is not None:
            write_text_atomically(out, json.dumps(result.to_json(), indent=2, allow_nan=False))
            console.print(f"Wrote the full audit to {out}")

    @app.command("report")
    @friendly_errors
    def report(
        run: str = typer.Option(
            ..., "--run", help="MLflow run ID of a training run, or 'champion' for the champion's run."
        ),
        out: Path = typer.Option(Path("report.html"), "--out",
                                 help="Where to write the self-contained HTML report."),
    ) -> None:
        """Write the evaluator's report (model card, performance, calibration, SHAP, fairness, ATRS)."""
        from ontrack_model.report import build_report
        from ontrack_model.tracking import report_inputs_from_run

        html = build_report(report_inputs_from_run(run))
        write_text_atomically(out, html)
        console.print(f"Wrote the evaluator's report for run {run} to {out}")
