"""Ingest: detect a file's format, parse and validate it, and load it into the store (design §2)."""

from dyadwatch.ingest.formats import FORMATS, detect_format
from dyadwatch.ingest.pipeline import DEDUPE_RULE, LoadReport

__all__ = ["DEDUPE_RULE", "FORMATS", "LoadReport", "detect_format"]
