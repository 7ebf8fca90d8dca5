"""Static SVG charts for the report (matplotlib, no network): one function per chart.

Every chart is drawn on a white panel with dark ink, so it reads the same in print, in a light page
and in a dark one (where it sits as a light card), and uses the Okabe-Ito colour-blind-safe palette.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.transforms  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

COOPERATION = "#0072B2"
CONFLICT = "#D55E00"
NEUTRAL = "#555555"
REGIME_SHADES = ("#f1f1f1", "#dcdcdc")
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
INK = "#1a1a1a"
#: Partner colours, one per partner on every chart and beside its name on the pages (Paul Tol's
#: colour-blind-safe muted scheme with Okabe-Ito's orange, green and pink; the cooperation blue and
#: conflict vermilion are left out so that no partner wears the colour of a direction).
PARTNER_PALETTE = (
    "#332288", "#E69F00", "#117733", "#CC6677", "#88CCEE", "#882255",
    "#44AA99", "#999933", "#AA4499", "#DDCC77", "#009E73", "#CC79A7",
)  # fmt: skip
#: Partners beyond the palette, and "others" in the shares chart.
OTHERS_COLOUR = "#bbbbbb"

plt.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "dyadwatch",
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
        "font.size": 9,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "text.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


@dataclass(frozen=True)
class Chart:
    """An SVG chart and its alternative text (what the chart shows, in words)."""

    name: str
    svg: str
    alt: str


@dataclass(frozen=True)
class Palette:
    """The report's one partner → colour map (:data:`PARTNER_PALETTE`, in the order given: the
    partners drawn as series first), and each partner's display name, so that a chart drawing a
    series by its label finds its partner. Every chart and the pages' swatches use it."""

    colours: dict[str, str]
    names: dict[str, str]

    @classmethod
    def of(cls, codes: Sequence[str], names: dict[str, str]) -> Palette:
        """A colour for each of ``codes`` (duplicates once), in order; those beyond the palette have
        none of their own (:meth:`colour` gives them :data:`OTHERS_COLOUR`, the pages no swatch)."""
        unique = list(dict.fromkeys(codes))
        colours = dict(zip(unique, PARTNER_PALETTE, strict=False))
        return cls(colours, {code: names.get(code, code) for code in unique})

    def colour(self, code: str) -> str:
        return self.colours.get(code, OTHERS_COLOUR)

    def code_of(self, label: str) -> str | None:
        """The partner drawn under ``label`` (its code or its display name), if it has a colour."""
        if label in self.colours:
            return label
        return next((code for code, name in self.names.items() if name == label and code in self.colours), None)


#: A palette without partners: every series in :data:`OTHERS_COLOUR` (tests, single charts).
NO_PALETTE = Palette({}, {})


def _mark_partner(artists: Sequence[Any], code: str | None, tag: str = "") -> None:
    """Name the SVG groups of a partner's artists ``partner-<code>-<tag><k>``, so that a reader
    (the browser test) can find each partner's colour in every chart."""
    if code is None:
        return
    for k, artist in enumerate(artists):
        artist.set_gid(f"partner-{code}-{tag}{k}")


def _row_swatches(figure: Figure, axes: Axes, codes: Sequence[str | None], palette: Palette) -> None:
    """A square in the partner's colour just left of each row's label (rows bottom to top), the
    partner's mark on charts whose own marks carry another meaning (readings, breaks)."""
    if not any(code in palette.colours for code in codes):
        return
    axes.tick_params(axis="y", length=0, pad=14)
    place = matplotlib.transforms.offset_copy(axes.get_yaxis_transform(), fig=figure, x=-7, units="points")
    for position, code in enumerate(codes):
        if code in palette.colours:
            drawn = axes.plot([0], [position], "s", color=palette.colour(code), markersize=6, transform=place,
                              clip_on=False)  # fmt: skip
            _mark_partner(drawn, code, "row")


@dataclass(frozen=True)
class Marker:
    """A labelled key event on a timeline: its number, year and height."""

    number: int
    year: int
    label: str


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.patch.set_facecolor("white")
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", facecolor="white")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _counts_both_sides(axes: Axes, label: str) -> None:
    """A y axis of counts drawn above and below zero: whole-number ticks, shown without their sign."""
    axes.set_ylabel(label)
    axes.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{abs(value):g}"))
    axes.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=6))


def timeline(
    name: str,
    series: pd.DataFrame,
    *,
    regimes: Sequence[tuple[int, int, float]] = (),
    eras: Sequence[tuple[str, float]] = (),
    markers: Sequence[Marker] = (),
    title: str,
    alt: str,
) -> Chart:
    """Cooperative events above the axis, conflictual below, per year; regimes shaded, eras marked.

    ``regimes`` are (first year, last year, mean) spans; ``eras`` (label, decimal year) dividers.
    """
    figure, axes = plt.subplots(figsize=(8.6, 3.5))
    years = series["year"].to_numpy()
    for k, (first, last, _) in enumerate(regimes):
        axes.axvspan(first - 0.5, last + 0.5, color=REGIME_SHADES[k % 2], zorder=0, linewidth=0)
    axes.bar(years, series["cooperation"], width=0.85, color=COOPERATION, label="cooperative events", zorder=2)
    axes.bar(years, -series["conflict"], width=0.85, color=CONFLICT, label="conflictual events", zorder=2)
    axes.axhline(0, color=INK, linewidth=0.6, zorder=3)
    top = max(float(series["cooperation"].max()), 1.0)
    bottom = max(float(series["conflict"].max()), 1.0)
    axes.set_ylim(-bottom * 1.25 - 0.5, top * 1.45 + 0.5)
    for label, moment in eras:
        if years.min() - 0.5 <= moment <= years.max() + 0.5:
            axes.axvline(moment, color=NEUTRAL, linestyle="--", linewidth=0.8, zorder=1)
            axes.text(moment + 0.3, top * 1.38, label, fontsize=7.5, color=NEUTRAL, va="top")
    for marker in markers:
        row = series[series["year"] == marker.year]
        height = float(row["cooperation"].iloc[0]) if len(row) else 0.0
        axes.annotate(
            str(marker.number),
            (marker.year, height),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=7.5,
            fontweight="bold",
            bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": INK, "linewidth": 0.6},
            zorder=4,
        )
    axes.set_xlim(years.min() - 1, years.max() + 1)
    _counts_both_sides(axes, "events per year\n(conflict below the line)")
    axes.set_title(title, loc="left", fontsize=10)
    axes.legend(loc="lower left", fontsize=7.5, frameon=False, ncol=2)
    return Chart(name, _svg(figure), alt)


@dataclass(frozen=True)
class Readings:
    """One row of the two-readings chart: the focus-first and the partner-first share of the focus
    country's forecast-error variance, each with an optional 90% interval.

    The two differ only in whom same-period moves are credited to; neither is a floor or a ceiling for the other (the
    focus-first share is the larger in about one stable system in eight), so the chart draws two
    markers and no band between them.
    """

    label: str
    focus_first: float
    focus_low: float | None = None
    focus_high: float | None = None
    partner_first: float | None = None
    partner_low: float | None = None
    partner_high: float | None = None
    #: The row's partner (the overview's rows), marked by its colour beside the label.
    partner: str | None = None


def readings(
    name: str, rows: Sequence[Readings], *, xlabel: str, title: str, alt: str, palette: Palette = NO_PALETTE
) -> Chart:
    """Two readings per row, top row first (the flexibility chart).

    The focus-first share is a filled dot with its 90% interval as a dark bar just below; the
    partner-first share an open diamond with its interval as a blue bar just above. No band joins
    them: they are two identifications of one quantity, not the ends of a range.
    """
    height = 1.3 + 0.42 * len(rows)
    figure, axes = plt.subplots(figsize=(7.2, height))
    for position, row in enumerate(reversed(rows)):
        if row.partner_first is not None:
            if row.partner_low is not None and row.partner_high is not None:
                axes.plot([row.partner_low, row.partner_high], [position + 0.2] * 2, color=COOPERATION, linewidth=1.2)
            axes.plot(
                [row.partner_first], [position + 0.2], "D", markerfacecolor="white", markeredgecolor=COOPERATION,
                markersize=5, zorder=3,
            )  # fmt: skip
        if row.focus_low is not None and row.focus_high is not None:
            axes.plot([row.focus_low, row.focus_high], [position - 0.2] * 2, color=INK, linewidth=1.2)
        axes.plot([row.focus_first], [position - 0.2], "o", color=INK, markersize=5, zorder=4)
    axes.set_yticks(range(len(rows)), [row.label for row in reversed(rows)])
    _row_swatches(figure, axes, [row.partner for row in reversed(rows)], palette)
    axes.set_xlim(0, 1)
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.set_xlabel(xlabel)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    handles = [
        matplotlib.lines.Line2D(
            [], [], marker="o", color=INK, linestyle="none", label="focus first: its same-period moves its own"
        ),
        matplotlib.lines.Line2D(
            [],
            [],
            marker="D",
            markerfacecolor="white",
            markeredgecolor=COOPERATION,
            linestyle="none",
            label="partner first: same-period moves credited to the partner",
        ),  # fmt: skip
        matplotlib.lines.Line2D([], [], color=NEUTRAL, linewidth=1.2, label="bars: 90% intervals"),
    ]
    axes.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7, frameon=False)
    axes.set_title(title, loc="left", fontsize=10, pad=22)
    return Chart(name, _svg(figure), alt)


def shares(name: str, table: pd.DataFrame, *, title: str, alt: str, palette: Palette = NO_PALETTE) -> Chart:
    """Stacked bars of partner shares per span (rows) and partner (columns, display names), each
    partner in its colour of ``palette``."""
    figure, axes = plt.subplots(figsize=(8.6, 3.6))
    base = [0.0] * len(table)
    positions = list(range(len(table)))
    for column in table.columns:
        values = table[column].to_list()
        code = None if column == "others" else palette.code_of(str(column))
        colour = palette.colour(code) if code else OTHERS_COLOUR
        bars = axes.bar(positions, values, bottom=base, color=colour, width=0.8, label=str(column), edgecolor="white")
        _mark_partner(list(bars), code)
        base = [b + v for b, v in zip(base, values, strict=True)]
    axes.set_xticks(positions, list(table.index), rotation=45, ha="right", fontsize=7.5)
    axes.set_ylim(0, 1)
    axes.set_ylabel("share of the DPRK's dyadic events")
    axes.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    handles, labels = axes.get_legend_handles_labels()  # listed top to bottom, as stacked
    axes.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5, frameon=False)
    axes.set_title(title, loc="left", fontsize=10)
    return Chart(name, _svg(figure), alt)


def break_timeline(
    name: str,
    rows: Sequence[tuple[str, Sequence[tuple[int, float]]]],
    *,
    span: tuple[int, int],
    title: str,
    alt: str,
    palette: Palette = NO_PALETTE,
) -> Chart:
    """One line per relationship (labelled by its partner's name, marked in its colour) with its
    breaks: ▲ towards cooperation, ▼ towards conflict."""
    figure, axes = plt.subplots(figsize=(8.6, 0.9 + 0.3 * len(rows)))
    for position, (_, found) in enumerate(reversed(rows)):
        axes.axhline(position, color="#e3e3e3", linewidth=0.6, zorder=0)
        for year, change in found:
            up = change >= 0
            axes.plot(
                [year], [position], "^" if up else "v", color=COOPERATION if up else CONFLICT, markersize=6, zorder=2
            )
    axes.set_yticks(range(len(rows)), [label for label, _ in reversed(rows)])
    _row_swatches(figure, axes, [palette.code_of(label) for label, _ in reversed(rows)], palette)
    axes.set_xlim(span[0] - 1, span[1] + 1)
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.set_xlabel("year a new regime starts (▲ more cooperative, ▼ more conflictual)")
    for decade in range((span[0] // 10) * 10, span[1] + 1, 10):
        axes.axvline(decade, color="#eeeeee", linewidth=0.6, zorder=0)
    axes.set_title(title, loc="left", fontsize=10)
    return Chart(name, _svg(figure), alt)


def describe(values: dict[str, Any]) -> str:
    """A compact ``key: value`` list for alt texts."""
    return "; ".join(f"{key}: {value}" for key, value in values.items())


def agreement(
    name: str,
    lines: Sequence[tuple[str, Sequence[int], Sequence[float]]],
    *,
    title: str,
    alt: str,
    palette: Palette = NO_PALETTE,
    partner: str | None = None,
) -> Chart:
    """UN vote agreement per year, one line per (label, years, values), on a 0–1 scale (issue 12):
    :func:`agreement_figure` as SVG."""
    return Chart(name, _svg(agreement_figure(lines, title=title, palette=palette, partner=partner)), alt)


def agreement_figure(
    lines: Sequence[tuple[str, Sequence[int], Sequence[float]]],
    *,
    title: str,
    palette: Palette = NO_PALETTE,
    partner: str | None = None,
) -> Figure:
    """The agreement chart's figure. A line whose label is a partner of ``palette`` is drawn in that
    partner's colour; with ``partner`` (a brief) every line is that partner's, told apart by its
    dash. The legend sits outside the plot, to its right, so it never covers a line.
    """
    figure, axes = plt.subplots(figsize=(8.6, 2.9))
    for k, (label, years, values) in enumerate(lines):
        style = "--" if label.lower().startswith("lijphart") else "-"
        code = partner or palette.code_of(label)
        colour = palette.colour(code) if code else PALETTE[k % len(PALETTE)]
        drawn = axes.plot(list(years), list(values), style, color=colour, linewidth=1.6, label=label)
        _mark_partner(drawn, code if code in palette.colours else None, f"line{k}-")
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.set_ylabel("roll calls voted alike")
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, frameon=False)
    axes.set_title(title, loc="left", fontsize=10)
    return figure


def monthly(name: str, series: pd.DataFrame, *, title: str, alt: str) -> Chart:
    """Cooperative events above the axis, conflictual below, per month (``period``, ``cooperation``,
    ``conflict``): the timeline's convention at a finer grain, for KCNA's events (issue 27)."""
    figure, axes = plt.subplots(figsize=(8.6, 2.9))
    days = pd.to_datetime(series["period"])
    axes.bar(days, series["cooperation"], width=25, color=COOPERATION, label="cooperative events", zorder=2)
    axes.bar(days, -series["conflict"], width=25, color=CONFLICT, label="conflictual events", zorder=2)
    axes.axhline(0, color=INK, linewidth=0.6, zorder=3)
    axes.set_ylim(-max(float(series["conflict"].max()), 1.0) * 1.2, max(float(series["cooperation"].max()), 1.0) * 1.45)
    _counts_both_sides(axes, "events per month\n(conflict below the line)")
    axes.set_title(title, loc="left", fontsize=10)
    axes.legend(loc="upper left", fontsize=7.5, frameon=False, ncol=2)
    return Chart(name, _svg(figure), alt)


def delegations(name: str, table: pd.DataFrame, kinds: Sequence[str], *, title: str, alt: str) -> Chart:
    """Delegations per year (``year``, ``way``, ``kind``, ``visits``): received above the axis, sent
    below, stacked by kind in ``kinds`` order (protocol ranks a state delegation above a troupe)."""
    figure, axes = plt.subplots(figsize=(8.6, 3.2))
    years = list(range(int(table["year"].min()), int(table["year"].max()) + 1))
    for sign, way in ((1, "received"), (-1, "sent")):
        base = [0.0] * len(years)
        for k, kind in enumerate(kinds):
            rows = table[(table["way"] == way) & (table["kind"] == kind)].groupby("year")["visits"].sum()
            values = [float(rows.get(year, 0)) for year in years]
            if not any(values):
                continue
            axes.bar(
                years,
                [sign * v for v in values],
                bottom=[sign * b for b in base],
                width=0.8,
                color=PALETTE[k % len(PALETTE)],
                label=kind if sign == 1 or kind not in axes.get_legend_handles_labels()[1] else None,
                edgecolor="white",
                linewidth=0.4,
            )
            base = [b + v for b, v in zip(base, values, strict=True)]
    axes.axhline(0, color=INK, linewidth=0.6)
    axes.set_xlim(years[0] - 1, years[-1] + 1)
    axes.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    _counts_both_sides(axes, "visits per year\n(received above, sent below)")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5, frameon=False)
    axes.set_title(title, loc="left", fontsize=10)
    return Chart(name, _svg(figure), alt)
