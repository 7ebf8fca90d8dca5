"""The report series as one PDF (WeasyPrint, the ``pdf`` extra): the overview, then one section
per relationship, then the methods page; each page's ``h1`` becomes a PDF bookmark."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dyadwatch.errors import UsageError


def require_weasyprint() -> None:
    """Raise the usage error of a missing WeasyPrint before anything is written (not after the site)."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        raise UsageError("--pdf needs WeasyPrint: pip install 'dyadwatch[pdf]' (nothing was written)") from None
    except OSError as exc:  # WeasyPrint present but its system libraries (Pango) missing
        raise UsageError(f"--pdf needs WeasyPrint's system libraries: {exc} (nothing was written)") from None


def write_pdf(pages: Sequence[Path], target: Path) -> Path:
    """Render the HTML ``pages`` in order into one PDF at ``target``."""
    try:
        from weasyprint import CSS, HTML
    except ImportError:
        raise UsageError("--pdf needs WeasyPrint: pip install 'dyadwatch[pdf]'") from None
    print_only = CSS(string="@media screen { html { color-scheme: light; } }")
    documents = [HTML(filename=str(page), base_url=str(page.parent)).render(stylesheets=[print_only]) for page in pages]
    every_page = [page for document in documents for page in document.pages]
    documents[0].copy(every_page).write_pdf(str(target))
    return target
