"""Ingest: detect a file's format, parse and validate it, and load it into the store (design §2).

The names below load on first use (PEP 562), not with the package: the pipeline imports pandas
(about a second on a busy two-core machine), which ``dyadwatch watch``'s idle cycle, reading
only GDELT's list through :mod:`dyadwatch.ingest.sync`, never needs (issue 30: an idle cycle ≤ 2 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dyadwatch.ingest.formats import FORMATS, detect_format
    from dyadwatch.ingest.pipeline import DEDUPE_RULE, LoadReport

__all__ = ["DEDUPE_RULE", "FORMATS", "LoadReport", "detect_format"]


def __getattr__(name: str) -> Any:
    if name in ("FORMATS", "detect_format"):
        from dyadwatch.ingest import formats

        return getattr(formats, name)
    if name in ("DEDUPE_RULE", "LoadReport"):
        from dyadwatch.ingest import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'dyadwatch.ingest' has no attribute {name!r}")
