"""The public Python API (design §5): the ``Store`` a user opens, with the verbs that load files and
read series, texts and indicators.

:class:`dyadwatch.store.Store` is the persistence layer alone (connect, schema, one transaction,
the tables); this :class:`Store` adds the verbs, each a thin call into the layer that does the work
(the ingest pipeline, the query over events, the texts search), so that the store never imports a
layer above it (design §6) while ``dyadwatch.open(path).ingest(files)`` works as documented.
Everything here imports its layer on first use: ``import dyadwatch`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dyadwatch import store as persistence
from dyadwatch.store import default_path

if TYPE_CHECKING:
    import pandas as pd

    from dyadwatch.ingest.pipeline import LoadReport, ProgressHook

__all__ = ["Store", "default_path", "open"]


class Store(persistence.Store):
    """A dyadwatch event store (DuckDB file) with the verbs of design §5. Use as a context manager
    or call :meth:`close`."""

    # -- loading ----------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[str | Path],
        *,
        format: str = "auto",
        focus: str = "PRK",
        dedupe: bool = False,
        mapping: str | None = None,
        date_format: str = "%Y-%m-%d",
        check_all_rows: bool = False,
        on_file: Callable[[Path], ProgressHook | None] | None = None,
        on_done: Callable[[LoadReport], None] | None = None,
    ) -> list[LoadReport]:
        """Load event files (GDELT 1.0/2.0, ICEWS, POLECAT, CSV with ``mapping``); one report per file.

        A file that cannot be read is reported with status ``failed`` and the others still load.
        By default GDELT rows that cannot involve ``focus`` are counted without being parsed (see
        :class:`~dyadwatch.ingest.source.FocusFilter`); ``check_all_rows=True`` parses and
        validates every row, so malformed rows between other countries are rejected too.
        """
        from dyadwatch.ingest.pipeline import ingest_files

        reports = ingest_files(
            self,
            paths,
            fmt=format,
            focus=focus,
            dedupe=dedupe,
            mapping=mapping,
            date_format=date_format,
            check_all_rows=check_all_rows,
            on_file=on_file,
            on_done=on_done,
        )
        self.discard_if_empty = True  # every file tried (an interrupted load keeps its store)
        return reports

    def load_frame(self, records: pd.DataFrame, *, label: str, sha256: str, fmt: str, focus: str = "ALL") -> LoadReport:
        """Load rows already in memory (the bundled datasets) with the same accounting as files."""
        from dyadwatch.ingest.pipeline import load_frame

        return load_frame(self, records, label=label, sha256=sha256, fmt=fmt, focus=focus)

    def ingest_indicators(
        self, paths: Sequence[str | Path], *, format: str = "auto", focus: str = "PRK"
    ) -> list[LoadReport]:
        """Load UN roll calls (``unvotes``) or Comtrade-style trade (``comtrade``) into ``indicators``
        (design §11; see :mod:`dyadwatch.ingest.indicators`); one report per file."""
        from dyadwatch.ingest.indicators import load_indicators
        from dyadwatch.ingest.pipeline import absolute

        self.require_writable()
        reports = load_indicators(self.con, absolute(paths), fmt=format, focus=focus)
        self.discard_if_empty = True
        return reports

    def ingest_texts(
        self,
        paths: Sequence[str | Path],
        *,
        format: str = "auto",
        mapping: str | None = None,
        collection: str | None = None,
    ) -> list[LoadReport]:
        """Load texts (KCNA JSON, CSV with ``mapping``, a folder of .txt files) into ``texts``
        (design §10; see :mod:`dyadwatch.ingest.texts`); one report per file or folder."""
        from dyadwatch.ingest.pipeline import absolute
        from dyadwatch.ingest.texts import load_texts

        self.require_writable()
        reports = load_texts(self.con, absolute(paths), fmt=format, mapping=mapping, collection=collection)
        self.discard_if_empty = True
        return reports

    # -- reading ----------------------------------------------------------------------------
    def series(self, actor1: str, actor2: str, freq: str = "M", **options: Any) -> pd.DataFrame:
        """The dyad series ``actor1`` → ``actor2`` (see :func:`dyadwatch.series.dyad_series`)."""
        from dyadwatch.series import dyad_series

        return dyad_series(self, actor1, actor2, freq=freq, **options)

    def indicators(
        self, focus: str = "PRK", *, names: Sequence[str] | None = None, partners: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Rows of the ``indicators`` table for ``focus`` (design §11), by name, partner and year."""
        from dyadwatch.ingest.indicators import indicator_rows

        return indicator_rows(self.con, focus.upper(), names=names, partners=partners)

    def search_texts(
        self,
        query: str,
        *,
        start: str | None = None,
        end: str | None = None,
        partner: str | None = None,
        limit: int = 20,
    ) -> pd.DataFrame:
        """Texts containing every word of ``query`` (see :func:`dyadwatch.analysis.rhetoric.search_texts`),
        with a ``coding`` column once the texts were coded."""
        from dyadwatch.analysis.rhetoric import search_texts

        with persistence.dates_as_usage_errors():
            found = search_texts(self.con, query, start=start, end=end, partner=partner, limit=limit)
        return self._with_coding(found)

    def _with_coding(self, found: pd.DataFrame) -> pd.DataFrame:
        """``found`` with a ``coding`` column when texts were coded (``code-texts``): "coded: N
        events", "no event: why" or "uncoded: why", so a text that gave no event shows its reason."""
        known = self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'texts_coding'").fetchone()
        if found.empty or not known or not known[0]:
            return found
        ids = list(found["text_id"])
        rows = self.con.execute(
            f"SELECT text_id, status, reason, events FROM texts_coding WHERE text_id IN ({', '.join('?' * len(ids))})",
            ids,
        ).fetchall()
        if not rows:
            return found
        words = {"coded": "coded", "no_event": "no event", "uncoded": "uncoded"}
        label: dict[str, str] = {
            text_id: f"coded: {events} event{'s' * (events != 1)}"
            if status == "coded"
            else f"{words.get(status, status)}: {reason}"
            for text_id, status, reason, events in rows
        }
        return found.assign(coding=[label.get(text_id, "") for text_id in ids])


def open(path: str | Path | None = None, *, read_only: bool = False) -> Store:  # noqa: A001
    """Open (creating if needed) the event store at ``path`` (default: :func:`default_path`)."""
    return Store(path, read_only=read_only)
