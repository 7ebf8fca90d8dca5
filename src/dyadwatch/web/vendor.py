"""The charting library of the dashboard: plotly.js, served by the app itself from the installed package.

Why Plotly rather than Vega-Lite: the ``plotly`` wheel on PyPI (a runtime dependency) ships the whole
plotly.js bundle as one file, ``plotly/package_data/plotly.min.js``, released with the package and
under the MIT licence; the Vega-Lite packages on PyPI (altair, vl-convert) load the JavaScript from a
CDN or keep it inside a compiled binary, so there would be three files (vega, vega-lite, vega-embed) to
vendor and keep current by hand. plotly.js gives what the dashboard needs: date axes with period-wide
bars, shapes for regimes, subplots, and a click event on a bar.

The file is found through the package's metadata, so the Python ``plotly`` module is never imported.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from dyadwatch.errors import DyadwatchError

#: Where the app serves the library and its licence (no CDN: the dashboard works offline).
PLOTLY_URL = "/vendor/plotly.min.js"
PLOTLY_LICENCE_URL = "/vendor/plotly-LICENSE.txt"
_BUNDLE = "plotly/package_data/plotly.min.js"


class VendorMissingError(DyadwatchError):
    """The plotly package (which carries plotly.js) is not installed beside dyadwatch."""


@dataclass(frozen=True)
class Vendored:
    """A JavaScript library shipped inside a Python package: the file, its version and licence text."""

    script: Path
    version: str
    licence: str


@functools.cache
def plotly_bundle() -> Vendored:
    """plotly.js from the installed ``plotly`` distribution, with the licence text it is under."""
    try:
        dist = metadata.distribution("plotly")
    except metadata.PackageNotFoundError:
        raise VendorMissingError(
            "the dashboard draws its charts with plotly.js from the plotly package, which is not installed: "
            "run `pip install plotly` (it is a dependency of dyadwatch) and restart `dyadwatch serve`"
        ) from None
    script = Path(str(dist.locate_file(_BUNDLE)))
    if not script.is_file():
        raise VendorMissingError(f"{script}: plotly {dist.version} does not ship plotly.min.js; reinstall plotly")
    with script.open(encoding="utf-8") as handle:
        head = handle.read(400)
    # The bundle opens with "plotly.js vX.Y.Z / Copyright ... / Licensed under the MIT license".
    banner = head[: head.find("*/") + 2] if head.startswith("/**") else ""
    found = re.search(r"plotly\.js v(\S+)", banner)
    # the licence files in the package's metadata folder (licenses/LICENSE.txt, or LICENSE.txt in older wheels)
    files = [f for f in dist.files or [] if ".dist-info" in str(f) and f.name.lower().startswith(("licen", "copying"))]
    text = "\n\n".join(Path(str(dist.locate_file(f))).read_text(encoding="utf-8") for f in files)
    version = found.group(1) if found else "unknown"
    declared = " ".join(dist.metadata.get_all("License-Expression") or ["MIT"])
    licence = (
        f"plotly.js {version}, served by dyadwatch at {PLOTLY_URL} from the Python package plotly {dist.version}.\n"
        f"Its own notice:\n\n{banner}\n\n"
        f"The licence of the plotly package (MIT), which ships it:\n\n{text or declared}\n"
    )
    return Vendored(script=script, version=version, licence=licence)


@functools.cache
def plotly_gzipped() -> bytes:
    """plotly.js gzipped once per process (4.8 MB → 1.5 MB with plotly 7.1), for browsers that accept gzip."""
    import gzip

    return gzip.compress(plotly_bundle().script.read_bytes(), compresslevel=9, mtime=0)
