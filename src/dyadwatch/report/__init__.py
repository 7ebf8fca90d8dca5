"""The report series: an overview and one working-paper brief per relationship, as HTML and PDF."""

from dyadwatch.report.citations import bibtex
from dyadwatch.report.site import build_site

__all__ = ["bibtex", "build_site"]
