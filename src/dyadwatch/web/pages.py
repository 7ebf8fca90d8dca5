"""The dashboard page and plotly.js, served from the installed packages (no CDN)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response

from dyadwatch.web.vendor import PLOTLY_LICENCE_URL, PLOTLY_URL, VendorMissingError, plotly_bundle, plotly_gzipped

router = APIRouter()


def static_folder() -> Path:
    """The folder of the dashboard's page, script and style (package data)."""
    with resources.as_file(resources.files("dyadwatch.web").joinpath("static")) as folder:
        return Path(folder)


@router.get("/", include_in_schema=False)
def dashboard() -> FileResponse:
    return FileResponse(static_folder() / "dashboard.html", media_type="text/html")


@router.get(PLOTLY_URL, include_in_schema=False)
def plotly_js(request: Request) -> Response:
    """plotly.js from the installed plotly package (see dyadwatch.web.vendor): no CDN; gzipped
    for a browser that accepts it (a third of the size: the dashboard opens sooner over a network)."""
    try:
        bundle = plotly_bundle()
    except VendorMissingError as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    headers = {"Cache-Control": "max-age=86400", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers["Content-Encoding"] = "gzip"
        return Response(plotly_gzipped(), media_type="text/javascript", headers=headers)
    return FileResponse(bundle.script, media_type="text/javascript", headers=headers)


@router.get(PLOTLY_LICENCE_URL, include_in_schema=False)
def plotly_licence() -> Response:
    """The licence plotly.js is served under, from the package's own files."""
    try:
        bundle = plotly_bundle()
    except VendorMissingError as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    return PlainTextResponse(bundle.licence)
