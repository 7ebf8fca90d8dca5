"""Synthetic GDELT 2.0 export files (61 tab-separated columns) with known dyad-month totals.

Rows are random but reproducible (``seed``): a share ``focus_share`` involves the focus country
with one of ``partners`` (either direction), the rest are between other countries. Optional
extras exercise the loader: exact duplicate rows (same GLOBALEVENTID, as when a user loads
overlapping files) and re-emitted rows (a new id for the same day, actors, code and URL, which
``--dedupe`` removes). The returned ``expected`` frame holds what the store must contain.
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dyadwatch.codebook import cameo_codes

OTHER_COUNTRIES = ("FRA", "DEU", "GBR", "IND", "BRA", "NGA", "EGY", "TUR", "MEX", "IDN")


@dataclass
class GeneratedFiles:
    """What :func:`write_gdelt2` wrote and what loading it must give."""

    files: list[Path]
    rows: int  # data lines written in all files
    focus_rows: int  # lines that involve the focus country (incl. duplicates)
    duplicate_rows: int  # lines repeating an earlier GLOBALEVENTID
    reemitted_rows: int  # lines re-emitting an earlier event under a new id
    expected: pd.DataFrame = field(repr=False)  # actor1, actor2, period, events, goldstein_sum, q1..q4

    @property
    def bytes(self) -> int:
        return sum(f.stat().st_size for f in self.files)


#: Rows formatted at once: a chunk's text stays well under Arrow's 2 GB string limit.
FORMAT_ROWS = 500_000


def _fixed(values: np.ndarray, decimals: int) -> pa.Array:
    """Numbers as text with ``decimals`` places, as ``f"{x:.{decimals}f}"`` writes them."""
    scale = 10**decimals
    scaled = np.abs(np.round(np.asarray(values, dtype=float) * scale).astype(np.int64))
    sign = pa.array(np.where(np.signbit(values), "-", ""))
    fraction = pc.utf8_lpad(_text_of(scaled % scale), width=decimals, padding="0")
    return pc.binary_join_element_wise(sign, _text_of(scaled // scale), ".", fraction, "")


def _text_of(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def _lines(part: pd.DataFrame) -> Iterator[memoryview]:
    """The GDELT 2.0 lines of ``part`` (61 tab-separated fields each), in chunks of text.

    Formatted column by column with Arrow, not line by line in Python: 16 M rows take a minute
    or so rather than a quarter of an hour.
    """
    for begin in range(0, len(part), FORMAT_ROWS):
        rows = part.iloc[begin : begin + FORMAT_ROWS]
        days = rows["date"].to_numpy().astype("datetime64[D]")
        months = days.astype("datetime64[M]")
        years = months.astype("datetime64[Y]").astype(np.int64) + 1970
        stamp = years * 10000 + (months.astype(np.int64) % 12 + 1) * 100 + (days - months).astype(np.int64) + 1
        day, year = _text_of(stamp), _text_of(years)
        code = pa.array(rows["event_code"].astype(str).to_numpy())
        mentions = _text_of(rows["weight"].to_numpy())
        actors = []
        for column in ("actor1", "actor2"):
            actor = pa.array(rows[column].astype(str).to_numpy())
            government = pc.binary_join_element_wise(actor, " GOVERNMENT", "")
            actors += [actor, government, actor, "", "", "", "", "GOV", "", ""]
        event = [
            "1",
            code,
            pc.utf8_slice_codeunits(code, 0, 3),
            pc.utf8_slice_codeunits(code, 0, 2),
            _text_of(rows["quad_class"].to_numpy()),
            _fixed(rows["goldstein"].to_numpy(), 1),
            mentions,
            "1",
            mentions,
            _fixed(rows["tone"].to_numpy(), 4),
        ]
        geo = ["1", "Somewhere", "XX", "XX", "", "0", "0", "0"] * 3
        event_id = _text_of(rows["event_id"].to_numpy())
        ids_and_dates = [event_id, day, _text_of(stamp // 100), year, pc.binary_join_element_wise(year, ".5", "")]
        url = pc.binary_join_element_wise(pa.array(rows["url"].astype(str).to_numpy()), "\n", "")
        fields = [*ids_and_dates, *actors, *event, *geo, pc.binary_join_element_wise(day, "000000", ""), url]
        lines = pc.binary_join_element_wise(*fields, "\t")
        # The lines end in a newline and nothing separates them: the array's data buffer is the text.
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
        yield memoryview(lines.buffers()[2])[offsets[0] : offsets[-1]]


def gdelt2_line(
    event_id: int,
    day: str,
    a1: str,
    a2: str,
    code: str,
    quad: int,
    goldstein: float,
    mentions: int,
    tone: float,
    url: str,
) -> str:
    """One GDELT 2.0 export line: ``day`` is YYYYMMDD, ``goldstein`` written with one decimal."""
    # 61 fields: ids and dates (5), actor 1 (10), actor 2 (10), event (10), three geography
    # blocks of 8, DATEADDED and SOURCEURL.
    actor1 = [a1, f"{a1} GOVERNMENT", a1, "", "", "", "", "GOV", "", ""]
    actor2 = [a2, f"{a2} GOVERNMENT", a2, "", "", "", "", "GOV", "", ""]
    event = [
        "1",
        code,
        code[:3],
        code[:2],
        str(quad),
        f"{goldstein:.1f}",
        str(mentions),
        "1",
        str(mentions),
        f"{tone:.4f}",
    ]
    geo = ["1", "Somewhere", "XX", "XX", "", "0", "0", "0"] * 3
    fields = [str(event_id), day, day[:6], day[:4], f"{day[:4]}.5"] + actor1 + actor2 + event + geo
    fields += [day + "000000", url]
    return "\t".join(fields)


def gdelt2_row(event_id: int, **fields: str) -> str:
    """One GDELT 2.0 export line, field by field: North Korea's government meets China on 14 March
    2019 (a CAMEO 042 visit), with any field replaced by its GDELT column name (``SQLDATE=...``).
    For hand-made rows with one quirk each; :func:`gdelt2_line` builds the generator's rows."""
    from dyadwatch.ingest.formats import GDELT2_COLUMNS

    row = dict.fromkeys(GDELT2_COLUMNS, "")
    row.update(
        GLOBALEVENTID=str(event_id), SQLDATE="20190314", MonthYear="201903", Year="2019", FractionDate="2019.2",
        Actor1Code="PRKGOV", Actor1Name="NORTH KOREA", Actor1CountryCode="PRK",
        Actor2Code="CHN", Actor2Name="CHINA", Actor2CountryCode="CHN", IsRootEvent="1",
        EventCode="042", EventBaseCode="042", EventRootCode="04", QuadClass="1", GoldsteinScale="1.9",
        NumMentions="4", NumSources="1", NumArticles="4", AvgTone="-1.25", DATEADDED="20190314120000",
        SOURCEURL=f"https://news.example/{event_id}",
    )  # fmt: skip
    row.update(fields)
    return "\t".join(row[name] for name in GDELT2_COLUMNS)


def write_gdelt2(
    out_dir: str | Path,
    rows: int,
    *,
    files: int = 1,
    focus: str = "PRK",
    partners: tuple[str, ...] = ("CHN", "RUS", "USA", "KOR", "JPN"),
    focus_share: float = 0.05,
    start: str = "2019-01-01",
    months: int = 24,
    duplicate_share: float = 0.0,
    reemit_share: float = 0.0,
    compress: str | None = "zip",
    seed: int = 0,
    first_id: int = 1_000_000_000,
    ids_in_file_order: bool = False,
) -> GeneratedFiles:
    """Write ``rows`` data lines of GDELT 2.0 events across ``files`` files in ``out_dir``.

    ``compress`` is ``"zip"`` (as GDELT ships them), ``"gz"`` or None (plain ``.CSV``). Event ids
    run from ``first_id`` (re-emitted copies from ``first_id`` + 1 000 000 000): calls meant to
    fill one store together need ids far enough apart. Rows are shuffled across the files, so
    every file's ids span the whole run; with ``ids_in_file_order`` each file holds the next block
    of ids, in order, as GDELT's own files do (it numbers events as it codes them): a repeated row
    then sits beside its first copy, and re-emitted copies come last.
    """
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_dup = int(rows * duplicate_share)
    n_reemit = int(rows * reemit_share)
    n_unique = rows - n_dup - n_reemit
    frame = _unique_events(rng, n_unique, first_id, focus, partners, focus_share, start, months)
    # Re-emitted copies: same day, actors, code and URL under new ids.
    reemit = (
        frame.sample(n=n_reemit, random_state=seed, replace=n_reemit > n_unique).copy() if n_reemit else frame.iloc[:0]
    )
    reemit["event_id"] = np.arange(first_id + 1_000_000_000, first_id + 1_000_000_000 + len(reemit))
    duplicates = frame.sample(n=n_dup, random_state=seed + 1, replace=n_dup > n_unique) if n_dup else frame.iloc[:0]
    everything = pd.concat([frame, reemit, duplicates], ignore_index=True)
    everything = everything.iloc[rng.permutation(len(everything))].reset_index(drop=True)
    if ids_in_file_order:
        everything = everything.sort_values("event_id", kind="stable", ignore_index=True)
    bounds = np.linspace(0, len(everything), files + 1).astype(int)
    written = [
        _write_file(out, index, everything.iloc[bounds[index] : bounds[index + 1]], compress) for index in range(files)
    ]
    focus_mask = (everything["actor1"] == focus) | (everything["actor2"] == focus)
    return GeneratedFiles(
        files=written,
        rows=len(everything),
        focus_rows=int(focus_mask.sum()),
        duplicate_rows=len(duplicates),
        reemitted_rows=len(reemit),
        expected=_expected_counts(pd.concat([frame, reemit], ignore_index=True), focus),
    )


def _unique_events(
    rng: np.random.Generator,
    n_unique: int,
    first_id: int,
    focus: str,
    partners: tuple[str, ...],
    focus_share: float,
    start: str,
    months: int,
) -> pd.DataFrame:
    """``n_unique`` random events with ids from ``first_id``: a ``focus_share`` of them between
    ``focus`` and one of ``partners``, the rest between other countries, on days of ``months``
    months from ``start``, each with a random CAMEO code of three digits or more and its URL."""
    codes = [c for c in cameo_codes().values() if len(c.code) >= 3]
    code_text = np.array([c.code for c in codes])
    code_quad = np.array([c.quad_class for c in codes])
    code_gold = np.array([c.goldstein for c in codes])
    pick = rng.integers(0, len(codes), n_unique)
    first_day = pd.Timestamp(start)
    last_day = first_day + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    days = pd.to_datetime(
        rng.integers(first_day.value // 86_400_000_000_000, last_day.value // 86_400_000_000_000 + 1, n_unique),
        unit="D",
    )
    involves_focus = rng.random(n_unique) < focus_share
    partner = np.array(partners)[rng.integers(0, len(partners), n_unique)]
    other1 = np.array(OTHER_COUNTRIES)[rng.integers(0, len(OTHER_COUNTRIES), n_unique)]
    other2 = np.array(OTHER_COUNTRIES)[rng.integers(0, len(OTHER_COUNTRIES), n_unique)]
    focus_first = rng.random(n_unique) < 0.5
    actor1 = np.where(involves_focus, np.where(focus_first, focus, partner), other1)
    actor2 = np.where(involves_focus, np.where(focus_first, partner, focus), other2)
    frame = pd.DataFrame(
        {
            "event_id": np.arange(first_id, first_id + n_unique),
            "date": days,
            "actor1": actor1,
            "actor2": actor2,
            "event_code": code_text[pick],
            "quad_class": code_quad[pick],
            "goldstein": code_gold[pick],
            "weight": rng.integers(1, 20, n_unique),
            "tone": rng.normal(0, 3, n_unique).round(4),
        }
    )
    frame["url"] = "https://news.example/" + frame["event_id"].astype(str)
    return frame


def _write_file(out: Path, index: int, part: pd.DataFrame, compress: str | None) -> Path:
    """Write the ``index``-th file's rows as GDELT names and ships them (zipped, gzipped or plain)."""
    name = f"2019{index:04d}000000.export.CSV"
    if compress == "zip":
        path = out / f"{name}.zip"
        with (
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive,
            archive.open(name, "w", force_zip64=len(part) > 4_000_000) as member,
        ):
            for text in _lines(part):
                member.write(text)
    else:
        path = out / (f"{name}.gz" if compress == "gz" else name)
        with gzip.open(path, "wb", compresslevel=6) if compress == "gz" else path.open("wb") as handle:
            for text in _lines(part):
                handle.write(text)
    return path


def _expected_counts(kept: pd.DataFrame, focus: str) -> pd.DataFrame:
    """What a load should store of the ``kept`` rows (the unique and re-emitted events): per dyad of
    ``focus`` and month, the events, their Goldstein sum and their count per quad class."""
    kept = kept[(kept["actor1"] == focus) | (kept["actor2"] == focus)].copy()
    kept["period"] = kept["date"].dt.to_period("M").dt.start_time.dt.date
    return (
        kept.groupby(["actor1", "actor2", "period"])
        .agg(
            events=("event_id", "size"),
            goldstein_sum=("goldstein", "sum"),
            q1=("quad_class", lambda q: int((q == 1).sum())),
            q2=("quad_class", lambda q: int((q == 2).sum())),
            q3=("quad_class", lambda q: int((q == 3).sum())),
            q4=("quad_class", lambda q: int((q == 4).sum())),
        )
        .reset_index()
    )
