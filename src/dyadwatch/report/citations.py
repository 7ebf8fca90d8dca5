"""References behind the report's numbers, and their BibTeX (``dyadwatch cite``).

Every page of the report ends with the datasets and methods it used, as peacesciencer's
``ps_cite()`` does for R users; :func:`bibtex` prints the same entries for a bibliography.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: The BibTeX accent commands used in :data:`REFERENCES`, as Unicode letters.
LATEX_LETTERS = {"{\\i}": "ı", '{\\"O}': "Ö"}


@dataclass(frozen=True)
class Reference:
    """One citable work: a BibTeX key, entry type and fields, and what dyadwatch uses it for."""

    key: str
    kind: str  # BibTeX entry type: article, book, misc, software, ...
    fields: tuple[tuple[str, str], ...]
    used_for: str

    def field(self, name: str) -> str:
        for key, value in self.fields:
            if key == name:
                return value
        return ""

    def plain(self, name: str) -> str:
        """A field without BibTeX markup: braces gone, accents and en dashes as Unicode."""
        text = self.field(name)
        for markup, letter in LATEX_LETTERS.items():
            text = text.replace(markup, letter)
        return text.replace("--", "–").replace("{", "").replace("}", "")

    def text(self) -> str:
        """A one-line citation for people (author, year, title, where)."""
        author = self.plain("author").replace(" and ", ", ")
        where = self.plain("journal") or self.plain("publisher") or self.plain("howpublished") or self.plain("note")
        parts = [f"{author} ({self.field('year')}).", f"{self.plain('title')}."]
        if where:
            parts.append(where + (f" {self.field('volume')}" if self.field("volume") else ""))
            if self.field("pages"):
                parts[-1] += f": {self.plain('pages')}"
            parts[-1] += "."
        if self.field("doi"):
            parts.append(f"doi:{self.field('doi')}")
        return " ".join(parts)

    def bibtex(self) -> str:
        width = max(len(name) for name, _ in self.fields)
        lines = [f"@{self.kind}{{{self.key},"]
        lines += [f"  {name.ljust(width)} = {{{value}}}," for name, value in self.fields]
        lines.append("}")
        return "\n".join(lines)


def _ref(key: str, kind: str, used_for: str, **fields: str) -> Reference:
    return Reference(key, kind, tuple(fields.items()), used_for)


REFERENCES: dict[str, Reference] = {
    ref.key: ref
    for ref in (
        _ref(
            "dyadwatch_chronology",
            "misc",
            "dataset: the bundled, referenced chronology of the DPRK's relationships",
            author="{dyadwatch developers}",
            year="2026",
            title="Chronology of North Korea's Foreign Relations, 1948--2025",
            howpublished="Bundled with the dyadwatch Python package (Apache-2.0)",
        ),
        _ref(
            "csis_provocations",
            "misc",
            "dataset: North Korean provocations 1958 onwards (events near breaks)",
            author="{CSIS Beyond Parallel}",
            year="2026",
            title="Database of North Korean Provocations",
            howpublished="Center for Strategic and International Studies; "
            "via stiles/north-korea-provocations (CC0 1.0)",
        ),
        _ref(
            "cns_missile_tests",
            "misc",
            "dataset: North Korean missile flight tests 1984 onwards",
            author="{James Martin Center for Nonproliferation Studies}",
            year="2026",
            title="The CNS North Korea Missile Test Database",
            howpublished="Nuclear Threat Initiative; via nagix/nk-missile-tests (Apache-2.0)",
        ),
        _ref(
            "leetaru2013gdelt",
            "inproceedings",
            "dataset: GDELT event records, when loaded",
            author="Leetaru, Kalev and Schrodt, Philip A.",
            year="2013",
            title="GDELT: Global Data on Events, Location, and Tone, 1979--2012",
            booktitle="ISA Annual Convention",
            note="International Studies Association annual convention, San Francisco",
        ),
        _ref(
            "boschee2015icews",
            "misc",
            "dataset: ICEWS event records, when loaded",
            author="Boschee, Elizabeth and Lautenschlager, Jennifer and O'Brien, Sean and Shellman, Steve "
            "and Starz, James and Ward, Michael",
            year="2015",
            title="ICEWS Coded Event Data",
            howpublished="Harvard Dataverse",
            doi="10.7910/DVN/28075",
        ),
        _ref(
            "goldstein1992",
            "article",
            "method: the Goldstein conflict-cooperation weights behind net cooperation",
            author="Goldstein, Joshua S.",
            year="1992",
            title="A Conflict-Cooperation Scale for WEIS Events Data",
            journal="Journal of Conflict Resolution",
            volume="36",
            number="2",
            pages="369--385",
            doi="10.1177/0022002792036002007",
        ),
        _ref(
            "gerner2002cameo",
            "inproceedings",
            "method: CAMEO event codes and quad classes (cooperation, conflict)",
            author='Gerner, Deborah J. and Schrodt, Philip A. and Y{\\i}lmaz, {\\"O}mer and Abu-Jabr, Rajaa',
            year="2002",
            title="Conflict and Mediation Event Observations (CAMEO): A New Event Data Framework "
            "for the Analysis of Foreign Policy Interactions",
            booktitle="Annual Meeting of the International Studies Association",
            note="International Studies Association, New Orleans",
        ),
        _ref(
            "goldstein1990threeway",
            "book",
            "method: reciprocity and responsiveness in dyadic event series",
            author="Goldstein, Joshua S. and Freeman, John R.",
            year="1990",
            title="Three-Way Street: Strategic Reciprocity in World Politics",
            publisher="University of Chicago Press",
        ),
        _ref(
            "killick2012pelt",
            "article",
            "method: PELT change-point detection (regimes, breaks)",
            author="Killick, Rebecca and Fearnhead, Paul and Eckley, Idris A.",
            year="2012",
            title="Optimal Detection of Changepoints With a Linear Computational Cost",
            journal="Journal of the American Statistical Association",
            volume="107",
            number="500",
            pages="1590--1598",
            doi="10.1080/01621459.2012.737745",
        ),
        _ref(
            "truong2020ruptures",
            "article",
            "software: ruptures, the change-point library used",
            author="Truong, Charles and Oudre, Laurent and Vayatis, Nicolas",
            year="2020",
            title="Selective Review of Offline Change Point Detection Methods",
            journal="Signal Processing",
            volume="167",
            pages="107299",
            doi="10.1016/j.sigpro.2019.107299",
        ),
        _ref(
            "zhang2007mbic",
            "article",
            "method: the MBIC penalty for the number of breaks",
            author="Zhang, Nancy R. and Siegmund, David O.",
            year="2007",
            title="A Modified Bayes Information Criterion with Applications to the Analysis of "
            "Comparative Genomic Hybridization Data",
            journal="Biometrics",
            volume="63",
            number="1",
            pages="22--32",
            doi="10.1111/j.1541-0420.2006.00662.x",
        ),
        _ref(
            "pettitt1979changepoint",
            "article",
            "method: rank-based change-point detection (breaks on the normal scores of ranks)",
            author="Pettitt, A. N.",
            year="1979",
            title="A Non-Parametric Approach to the Change-Point Problem",
            journal="Journal of the Royal Statistical Society, Series C (Applied Statistics)",
            volume="28",
            number="2",
            pages="126--135",
            doi="10.2307/2346729",
        ),
        _ref(
            "antoch2001permutation",
            "article",
            "method: the permutation floor of the break penalty",
            author="Antoch, Jaromír and Hušková, Marie",
            year="2001",
            title="Permutation Tests in Change Point Analysis",
            journal="Statistics and Probability Letters",
            volume="53",
            number="1",
            pages="37--46",
            doi="10.1016/S0167-7152(01)00009-8",
        ),
        _ref(
            "sims1980var",
            "article",
            "method: vector autoregression (flexibility, responsiveness)",
            author="Sims, Christopher A.",
            year="1980",
            title="Macroeconomics and Reality",
            journal="Econometrica",
            volume="48",
            number="1",
            pages="1--48",
            doi="10.2307/1912017",
        ),
        _ref(
            "granger1969",
            "article",
            "method: the Granger causality question behind the lagged-response test (lagged_response_p)",
            author="Granger, Clive W. J.",
            year="1969",
            title="Investigating Causal Relations by Econometric Models and Cross-spectral Methods",
            journal="Econometrica",
            volume="37",
            number="3",
            pages="424--438",
            doi="10.2307/1912791",
        ),
        _ref(
            "efron1993bootstrap",
            "book",
            "method: bootstrap intervals",
            author="Efron, Bradley and Tibshirani, Robert J.",
            year="1993",
            title="An Introduction to the Bootstrap",
            publisher="Chapman and Hall",
        ),
        _ref(
            "kilian1998",
            "article",
            "method: bias-corrected bootstrap-after-bootstrap intervals of the two flexibility shares",
            author="Kilian, Lutz",
            year="1998",
            title="Small-Sample Confidence Intervals for Impulse Response Functions",
            journal="Review of Economics and Statistics",
            volume="80",
            number="2",
            pages="218--230",
            doi="10.1162/003465398557465",
        ),
        _ref(
            "hirschman1964",
            "article",
            "method: the Herfindahl-Hirschman index of partner concentration",
            author="Hirschman, Albert O.",
            year="1964",
            title="The Paternity of an Index",
            journal="American Economic Review",
            volume="54",
            number="5",
            pages="761--762",
        ),
        _ref(
            "dyadwatch",
            "software",
            "software: the toolkit that computed every number in this report",
            author="{dyadwatch developers}",
            year="2026",
            title="dyadwatch: Measured Answers about North Korea's Foreign Relations from Political Event Data",
            note="Python package, version 0.1.0",
        ),
    )
}

#: What each part of the report rests on.
DATASET_KEYS: dict[str, tuple[str, ...]] = {
    "chronology": ("dyadwatch_chronology",),
    "provocations": ("csis_provocations",),
    "missile_tests": ("cns_missile_tests",),
    "gdelt1": ("leetaru2013gdelt",),
    "gdelt2": ("leetaru2013gdelt",),
    "icews": ("boschee2015icews",),
}
SERIES_KEYS = ("goldstein1992", "gerner2002cameo")
BREAKS_KEYS = ("killick2012pelt", "zhang2007mbic", "truong2020ruptures")
FLEX_KEYS = ("goldstein1990threeway", "sims1980var", "granger1969", "efron1993bootstrap", "kilian1998")
PATTERN_KEYS = ("hirschman1964",)
SOFTWARE_KEYS = ("dyadwatch",)
ALL_KEYS = tuple(REFERENCES)


def keys_for(sources: Iterable[str], *parts: tuple[str, ...]) -> list[str]:
    """Reference keys, in a stable order, for data from ``sources`` and the method groups ``parts``."""
    wanted: list[str] = []
    for source in sources:
        wanted += DATASET_KEYS.get(source, ())
    for group in (*parts, SOFTWARE_KEYS):
        wanted += group
    return list(dict.fromkeys(wanted))


def references(keys: Iterable[str]) -> list[Reference]:
    return [REFERENCES[key] for key in keys if key in REFERENCES]


def bibtex(keys: Iterable[str] | None = None) -> str:
    """BibTeX entries for ``keys`` (all references when None), separated by blank lines."""
    chosen = references(ALL_KEYS if keys is None else keys)
    return "\n\n".join(ref.bibtex() for ref in chosen) + "\n"
