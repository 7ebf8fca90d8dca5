"""The ``dyadwatch`` command line: a thin layer over the Python API (design §4).

Every command takes ``--db`` (default ``$DYADWATCH_DB`` or the user data directory). Errors a
user can cause print one line and exit 1 (input) or 2 (usage); no traceback.

Why Click directly, not Typer (start-up time, issues 10 and 14): Typer, itself built on Click,
turned every command's signature into Click parameters on each call and, from 0.29, coerced every
option through a pydantic TypeAdapter; with its Rich help that cost 0.2-0.4 s before a command
started. Click's decorators declare the same options once, at import, for the cost of Click's import.

The modules, by what users do: :mod:`~dyadwatch.cli.load` (loading), :mod:`~dyadwatch.cli.texts`
(reading texts), :mod:`~dyadwatch.cli.analyse` (the analyses), :mod:`~dyadwatch.cli.export`,
:mod:`~dyadwatch.cli.publish` (demo, sources, report, cite), :mod:`~dyadwatch.cli.serve` and
:mod:`~dyadwatch.cli.watch`; they attach their commands to the groups of :mod:`~dyadwatch.cli.groups`
and print through :mod:`~dyadwatch.cli.output` with the options of :mod:`~dyadwatch.cli.options`.
"""

from __future__ import annotations

# Each command module registers its commands with the group when imported.
from dyadwatch.cli import analyse, export, load, publish, serve, texts, watch  # noqa: F401
from dyadwatch.cli.entry import main, run
from dyadwatch.cli.groups import HELP_ORDER, app, export_app, forecasts_app, in_help_order, sync_app
from dyadwatch.cli.options import EraChoice, Freq, OutFormat, ValueChoice
from dyadwatch.cli.output import TABLE_COLUMNS, TABLE_WIDTH, print_frame, print_rows

app.add_command(export_app)
app.add_command(sync_app)
app.add_command(forecasts_app)
in_help_order(app, HELP_ORDER)

__all__ = [
    "TABLE_COLUMNS", "TABLE_WIDTH", "EraChoice", "Freq", "OutFormat", "ValueChoice", "app", "main", "print_frame",
    "print_rows", "run",
]  # fmt: skip
