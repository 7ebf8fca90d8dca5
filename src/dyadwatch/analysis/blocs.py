"""Named groups of partners for bloc shares (``compare``) and realignment (``shifts``).

ISO alpha-3 codes. "The West" follows the usual geopolitical reading: the United States, Canada,
the EU/EFTA states, the UK, Australia, New Zealand and Japan; South Korea is left out because
inter-Korean relations are a category of their own. South-East Asia is the ASEAN membership.
"""

from __future__ import annotations

BLOCS: dict[str, tuple[str, ...]] = {
    "china_russia": ("CHN", "RUS"),
    "southeast_asia": ("BRN", "IDN", "KHM", "LAO", "MMR", "MYS", "PHL", "SGP", "THA", "TLS", "VNM"),
    "west": (
        "USA", "CAN", "GBR", "IRL", "FRA", "DEU", "ITA", "ESP", "PRT", "NLD", "BEL", "LUX", "CHE", "AUT",
        "SWE", "NOR", "DNK", "FIN", "ISL", "POL", "CZE", "HUN", "GRC", "AUS", "NZL", "JPN",
    ),
}  # fmt: skip
