"""Codebooks: CAMEO event codes with Goldstein scores and quad classes, and the country crosswalk."""

from dyadwatch.codebook.cameo import CameoCode, cameo_codes, goldstein, quad_class, root_code
from dyadwatch.codebook.countries import Country, countries, country, to_code

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
