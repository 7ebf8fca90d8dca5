"""The entry point: :func:`run` for tests and scripts, :func:`main` for the console script."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

import click

from dyadwatch.cli.groups import app
from dyadwatch.cli.output import say, say_error
from dyadwatch.errors import DyadwatchError

#: Commands that write to the store, file by file (each whole or absent): what Ctrl-C leaves is said.
LOADING_COMMANDS = frozenset({"ingest", "ingest-texts", "ingest-indicators", "demo", "sync", "watch"})


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (tests call this directly)."""
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        result = app.main(args=args, prog_name="dyadwatch", standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:  # --help, and commands that exit 1 after printing their summary
        return exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:  # no command: the help on stdout (as Typer did), exit 2
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        return exc.exit_code
    except click.ClickException as exc:  # usage errors (exit 2): usage line, hint and "Error: ..."
        exc.show(file=sys.stderr)
        return exc.exit_code
    except click.Abort as exc:  # Click turns Ctrl-C into Abort
        loading = bool(args) and args[0] in LOADING_COMMANDS
        if isinstance(exc.__cause__, KeyboardInterrupt) and loading:
            say("interrupted: the files being loaded were rolled back; files loaded before them are kept")
        else:
            say("interrupted")
        return 130
    except DyadwatchError as exc:
        say_error(str(exc))
        return exc.exit_code


def main() -> None:
    """The ``dyadwatch`` console script (and ``python -m dyadwatch``): :func:`run`, then exit."""
    code = run()
    if threading.active_count() > 1:  # a thread still running: Python waits for it at its usual exit
        sys.exit(code)
    _exit_without_teardown(code)


def _exit_without_teardown(code: int) -> NoReturn:
    """Exit the way Python would, less its final teardown.

    Start-up time (issues 10, 14): once DuckDB has been loaded, the interpreter's teardown (freeing
    every module and DuckDB's C++ globals) takes ~50 ms, a tenth of `dyadwatch series`. By now every
    command has closed its store and files and no other thread runs; the exit handlers (``atexit``:
    logging, temporary folders, Spark's gateway) still run and stdout and stderr are flushed, then
    the process ends with ``os._exit``.
    """
    atexit._run_exitfuncs()  # what Python runs at exit before its teardown
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (`dyadwatch ... | head`): nothing more can be written
        code = code or 1
    os._exit(code)
