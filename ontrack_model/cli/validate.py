"""`ontrack validate`: check an extract directory against the data contract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from ontrack_model.cli._common import console, err_console, friendly_errors


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ontrack` app."""

    @app.command(
        "validate",
        help=(
            "Check an extract against the data contract and list every problem found.\n\n"
            "Prints each table's row count and status, then every error and warning with its file, "
            "column and rows. Exits 0 when the extract passes (warnings allowed), 2 when it does not."
        ),
    )
    @friendly_errors
    def validate(
        data: Annotated[
            Path,
            typer.Option(
                "--data",
                "-d",
                help=(
                    "The extract directory: manifest.json and one file per table (pupils.csv or "
                    "pupils.parquet, school_census, attendance, ...). See data/README.md."
                ),
                show_default=False,
            ),
        ],
    ) -> None:
        """Check an extract against the data contract and list every problem found."""
        from ontrack_model.validation import validate_extract

        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        with progress:
            task = progress.add_task("Reading the manifest", total=None)

            def show(what: str, done: int, total: int) -> None:
                progress.update(task, description=what, completed=done, total=total)

            report = validate_extract(data, progress=show)
        console.print(report)
        if not report.ok:
            raise typer.Exit(code=2)
