"""``dyadwatch serve``: the dashboard and its JSON API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dyadwatch.cli.groups import app
from dyadwatch.cli.options import db_option
from dyadwatch.cli.output import say


@app.command()
@click.option("--host", default="127.0.0.1", help="Address to bind; 127.0.0.1 keeps it on this machine.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, help="TCP port.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    help="Server processes; each keeps its own copy of the store in memory (about 400 bytes an event).",
)
@db_option
def serve(host: str, port: int, workers: int, db: Path | None) -> None:
    """The dashboard and its JSON API over the store, read-only (design §7).

    \b
    Example: dyadwatch serve --port 8000, then open http://127.0.0.1:8000/
    """
    from dyadwatch.api import default_path
    from dyadwatch.web import create_app

    path = Path(db or default_path()).expanduser().resolve()
    application = create_app(path)  # checks the store before anything is started
    say(f"dashboard on http://{host}:{port}/ (Ctrl-C stops it)")
    _run_server(application, path, host, port, workers)


def _run_server(application: Any, path: Path, host: str, port: int, workers: int) -> None:
    """Serves ``application`` with uvicorn until stopped: in this process, or in ``workers`` processes
    that import the app by name and find the store ``path`` in the environment."""
    import os

    import uvicorn

    # No access log: a line per request costs more than answering from memory does.
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "access_log": False}
    if workers == 1:
        uvicorn.run(application, **options)
    else:  # worker processes import the app by name and find the store in the environment
        os.environ["DYADWATCH_SERVE_DB"] = str(path)
        uvicorn.run("dyadwatch.web.app:app_from_environment", factory=True, workers=workers, **options)
