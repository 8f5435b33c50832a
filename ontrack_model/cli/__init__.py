"""The `ontrack` command. Thin: each sub-module parses options, calls the library and prints.

Each command module exposes `register(app)`; the modules that need `training` or `serving`
import them inside their commands, so the library never depends on them.
"""

from __future__ import annotations

import typer

from ontrack_model.cli import (
    audit,
    explain,
    features,
    generate,
    rank,
    score15,
    serve,
    train,
    validate,
)

app = typer.Typer(
    name="ontrack",
    help=(
        "On Track risk model: build a synthetic or real extract's features, train and register "
        "the model, explain and audit it, serve ranked family lists, and evaluate SCORE-15 change."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # never print data values in a traceback
)

@app.callback()
def _root() -> None:
    """On Track risk model: features, training, explanations, fairness, serving, SCORE-15."""


@app.command()
def version() -> None:
    """Print the installed version of the On Track package."""
    from importlib.metadata import version as _version

    typer.echo(_version("ontrack-model"))


for _module in (generate, validate, features, train, explain, rank, audit, serve, score15):
    _module.register(app)


def main() -> None:
    """Entry point of the `ontrack` console script."""
    app()
