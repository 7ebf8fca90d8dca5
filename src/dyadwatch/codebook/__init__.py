"""Codebooks: CAMEO event codes with Goldstein scores and quad classes, and the country crosswalk.

The names load on first use (PEP 562): a command that only checks a country code never reads the
CAMEO codebook.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dyadwatch.codebook.cameo import CameoCode, cameo_codes, goldstein, quad_class, root_code
    from dyadwatch.codebook.countries import Country, countries, country, to_code

_HOMES = {
    "CameoCode": "cameo",
    "cameo_codes": "cameo",
    "goldstein": "cameo",
    "quad_class": "cameo",
    "root_code": "cameo",
    "Country": "countries",
    "countries": "countries",
    "country": "countries",
    "to_code": "countries",
}

__all__ = [
    "CameoCode",
    "Country",
    "cameo_codes",
    "countries",
    "country",
    "goldstein",
    "quad_class",
    "root_code",
    "to_code",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dyadwatch.codebook.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
