"""POLECAT files: the real header variants and every quirk of design §2, with known answers.

The files are generated here in POLECAT's layout (40 tab-separated columns with a header,
ISO-8859-1, ``None`` for missing values); the scores and quad classes are checked against the
PLOVER manual itself (a copy in tests/data/plover, CC BY-SA 4.0).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.codebook.plover import PLOVER_MODE_SCORE, PLOVER_QUAD, PLOVER_SCORE, plover_score
from dyadwatch.ingest.formats import detect_format

MANUAL = Path(__file__).parent / "data" / "plover" / "PLOVER_MANUAL.tex"

#: The 40 columns of POLECAT's weekly files (the first releases say "Intensity").
HEADER_40 = [
    "Event ID",
    "Event Date",
    "Event Type",
    "Event Mode",
    "Intensity",
    "Quad Code",
    "Contexts",
    "Actor Name",
    "Actor Country",
    "Actor COW",
    "Primary Actor Sector",
    "Actor Sectors",
    "Actor Title",
    "Actor Name Raw",
    "Wikipedia Actor ID",
    "Recipient Name",
    "Recipient Country",
    "Recipient COW",
    "Primary Recipient Sector",
    "Recipient Sectors",
    "Recipient Title",
    "Recipient Name Raw",
    "Wikipedia Recipient ID",
    "Placename",
    "City",
    "District",
    "Province",
    "Country",
    "Latitude",
    "Longitude",
    "GeoNames ID",
    "Raw Placename",
    "Feature Type",
    "Source",
    "Publication Date",
    "Story People",
    "Story Organizations",
    "Story Locations",
    "Language",
    "Version",
]
EXTRA = ["Headline", "Event Text", "Feed", "Story ID"]


def line(header: list[str], **values: str) -> list[str]:
    """One row in ``header``'s column order; unnamed columns hold POLECAT's ``None``."""
    names = {
        "Event ID": "id",
        "Event Date": "date",
        "Event Type": "type",
        "Event Mode": "mode",
        "Intensity": "intensity",
        "Event Intensity": "intensity",
        "Actor Name": "a1name",
        "Actor Country": "a1",
        "Recipient Name": "a2name",
        "Recipient Country": "a2",
        "Source": "source",
        "Publication Date": "published",
    }
    return [values.get(names.get(column, ""), "None") for column in header]


ROWS = [  # id, date, type, mode, intensity, actor, country, recipient, country
    {
        "id": "E1",
        "date": "2022-01-03",
        "type": "CONSULT",
        "mode": "visit",
        "intensity": "4.0",
        "a1name": "Kim Jong Un",
        "a1": "PRK",
        "a2name": "Xi Jinping",
        "a2": "CHN",
        "source": "Xinhua",
        "published": "2022-01-04",
    },
    {
        "id": "E2",
        "date": "2022-01-04",
        "type": "ACCUSE",
        "mode": "None",
        "intensity": "-2.0",
        "a1name": "Séoul",
        "a1": "KOR",
        "a2name": "North Korea",
        "a2": "PRK",
        "source": "Yonhap",
        "published": "2022-01-04",
    },
    {
        "id": "E3",
        "date": "2022-01-05",
        "type": "ASSAULT",
        "mode": "aerial",
        "intensity": "-9.5",
        "a1name": "North Korea",
        "a1": "PRK",
        "a2name": "South Korea",
        "a2": "KOR",
        "source": "None",
        "published": "None",
    },
    {
        "id": "E4",
        "date": "2022-01-05",
        "type": "AGREE",
        "mode": "None",
        "intensity": "2.5",
        "a1name": "France",
        "a1": "FRA",
        "a2name": "Germany",
        "a2": "DEU",
        "source": "AFP",
        "published": "2022-01-05",
    },
    {
        "id": "E5",
        "date": "2022-01-06",
        "type": "SUPPORT",
        "mode": "None",
        "intensity": "5.0",
        "a1name": "Russia; Belarus",
        "a1": "RUS;BLR",
        "a2name": "North Korea",
        "a2": "PRK",
        "source": "TASS",
        "published": "2022-01-06",
    },
    {
        "id": "E6",
        "date": "2022-01-07",
        "type": "COERCE",
        "mode": "Martial Law",
        "intensity": "-7.5",
        "a1name": "North Korea",
        "a1": "PRK",
        "a2name": "None",
        "a2": "None",
        "source": "KCNA",
        "published": "2022-01-07",
    },
]


def write(
    path: Path, header: list[str], rows: list[dict[str, str]], trailing_tab: bool = False, extra: int = 0
) -> Path:
    """A POLECAT file in ISO-8859-1, optionally with a stray trailing tab and extra fields per line."""
    lines = ["\t".join(header) + ("\t" if trailing_tab else "")]
    for row in rows:
        fields = line(header, **row) + ["extra text"] * extra
        lines.append("\t".join(fields) + ("\t" if trailing_tab else ""))
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return path


def events(store: dw.Store) -> dict[str, tuple[object, ...]]:
    rows = store.con.execute(
        "SELECT event_id, actor1, actor2, event_code, quad_class, goldstein, group_id, actor1_name, reference "
        "FROM events WHERE source = 'polecat' ORDER BY event_id"
    ).fetchall()
    return {str(r[0]): tuple(r[1:]) for r in rows}


# -- the PLOVER tables against the manual ------------------------------------------------------
def manual_scores() -> dict[tuple[str, str], float]:
    """The manual's table "PLOVER conflict--cooperation scores", read from its LaTeX source."""
    text = MANUAL.read_text(encoding="utf-8")
    table = text[text.rindex(r"\caption{PLOVER conflict--cooperation scores}") :]  # the first is commented out
    table = table[: table.index(r"\end{tabular}")]
    scores: dict[tuple[str, str], float] = {}
    for raw in table.split(r"\\")[1:]:
        cells = [re.sub(r"\\cellcolor\{[^}]*\}|\\hline|\\textbf\{[^}]*\}", "", c).strip() for c in raw.split("&")]
        for name, score in zip(cells[0::2], cells[1::2], strict=False):
            if name and score:
                category, _, mode = name.partition(":")
                scores[(category.strip(), mode.strip().lower())] = float(score)
    return scores


def manual_quads() -> dict[str, int]:
    """Each category's "Quad category" line, which closes its chapter in the manual."""
    text = MANUAL.read_text(encoding="utf-8")
    names = {"VERBAL COOPERATION": 1, "MATERIAL COOPERATION": 2, "VERBAL CONFLICT": 3, "MATERIAL CONFLICT": 4}
    quads: dict[str, int] = {}
    for match in re.finditer(r"\\section\{([A-Z]+)\}(.*?)\\subsection\{Quad category: ([A-Z ]+)\}", text, re.S):
        if r"\section{" not in match.group(2):
            quads[match.group(1)] = names[match.group(3)]
    return quads


def test_quad_classes_are_the_manuals() -> None:
    assert manual_quads() == PLOVER_QUAD


def test_scores_are_the_manuals_with_accuse_negative() -> None:
    table = manual_scores()
    assert len(table) == len(PLOVER_SCORE) + len(PLOVER_MODE_SCORE)
    assert table[("ACCUSE", "")] == 3.0  # as printed; its modes and quad category say -3
    for (category, mode), score in table.items():
        expected = -3.0 if (category, mode) == ("ACCUSE", "") else score
        assert plover_score(category, mode or None) == expected, (category, mode)
    assert plover_score("CONSULT", "unknown-mode") == 2.5  # a mode without its own score: the category's
    assert plover_score("consult", "Third Party") == 1.0  # case and spacing as POLECAT may write them


# -- loading ----------------------------------------------------------------------------------
def test_weekly_file_loads_with_scores_quads_and_multiple_countries(tmp_path: Path, store: dw.Store) -> None:
    path = write(tmp_path / "ngecEvents.20220103111900.Release507.DV.txt", HEADER_40, ROWS)
    assert detect_format(path.read_bytes()[:65536]).format == "polecat"  # type: ignore[union-attr]
    (report,) = store.ingest([path])
    assert (report.format, report.status) == ("polecat", "loaded")
    # 6 lines; E5 names two actor countries, so it is two rows: 7 read. FRA-DEU is outside the focus.
    assert (report.rows_read, report.rows_kept, report.rows_outside_focus, report.rows_rejected) == (7, 6, 1, 0)
    assert report.reconciles
    got = events(store)
    assert got["polecat:E1"][:5] == ("PRK", "CHN", "CONSULT:visit", 1, 4.0)
    assert got["polecat:E1"][7] == "Xinhua, 2022-01-04 (POLECAT E1)"
    assert got["polecat:E2"][:5] == ("KOR", "PRK", "ACCUSE", 3, -3.0)  # mode None -> the category's score
    assert got["polecat:E2"][6] == "Séoul"  # ISO-8859-1 read as such
    assert got["polecat:E3"][:5] == ("PRK", "KOR", "ASSAULT:aerial", 4, -9.5)
    assert got["polecat:E3"][7] == "POLECAT (POLECAT E3)"  # "None" is missing, not a source called None
    assert got["polecat:E6"][:5] == ("PRK", None, "COERCE:martial-law", 4, -7.5)  # no recipient: unilateral
    # RUS;BLR -> PRK: one row per dyad, sharing a group id.
    assert got["polecat:E5:RUS-PRK"][:6] == ("RUS", "PRK", "SUPPORT", 1, 5.0, "polecat:E5")
    assert got["polecat:E5:BLR-PRK"][:6] == ("BLR", "PRK", "SUPPORT", 1, 5.0, "polecat:E5")
    assert "polecat:E4" not in got


def test_later_header_extra_columns_trailing_tab_and_repeated_ids(tmp_path: Path, store: dw.Store) -> None:
    later = [("Event Intensity" if c == "Intensity" else c) for c in HEADER_40] + EXTRA
    first = write(tmp_path / "week1.txt", HEADER_40, ROWS[:3])
    # The next release repeats E1 and E2 (same Event ID), adds E7; stray tab and one field too many.
    new = dict(ROWS[0], id="E7", type="REQUEST", mode="meet", date="2022-01-10")
    second = write(tmp_path / "week2.txt", later, [ROWS[0], ROWS[1], new], trailing_tab=True, extra=1)
    reports = store.ingest([first, second])
    assert [r.status for r in reports] == ["loaded", "loaded"]
    assert (reports[1].rows_read, reports[1].rows_kept, reports[1].rows_duplicate) == (3, 1, 2)
    assert all(r.reconciles for r in reports)
    assert events(store)["polecat:E7"][:5] == ("PRK", "CHN", "REQUEST:meet", 3, 0.0)
    assert store.count("polecat") == 4


def test_yearly_zip_and_bad_rows(tmp_path: Path, store: dw.Store) -> None:
    bad_date = dict(ROWS[0], id="B1", date="2022-13-45")
    unknown = dict(ROWS[0], id="B2", type="TELEPORT", mode="None", intensity="None")
    inner = write(tmp_path / "ngecEventsDV-2022.txt", HEADER_40, [*ROWS, bad_date, unknown])
    archive = tmp_path / "ngecEventsDV-2022.txt.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        handle.write(inner, inner.name)
    inner.unlink()
    (report,) = store.ingest([archive])
    assert (report.status, report.rows_read, report.rows_kept, report.rows_rejected) == ("loaded", 9, 6, 2)
    reasons = sorted(store.rejects()["reason"])
    assert any("unknown PLOVER type" in r for r in reasons)
    assert any("Event Date" in r for r in reasons)
    lines = sorted(int(x) for x in store.rejects()["line"])
    assert lines == [8, 9]  # header is line 1; the two bad rows are the last two lines


def test_cli_auto_detects_and_a_header_without_the_needed_columns_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "week.txt", HEADER_40, ROWS)
    broken = write(tmp_path / "broken.txt", [c for c in HEADER_40 if c not in ("Intensity", "Event Mode")], ROWS)
    db = str(tmp_path / "p.duckdb")
    assert run(["ingest", str(good), "--db", db, "--output", "json"]) == 0
    assert '"format": "polecat"' in capsys.readouterr().out
    assert run(["ingest", str(broken), "--format", "polecat", "--db", db, "--output", "json"]) == 1
    assert "POLECAT header lacks the columns Event Mode, Intensity (or Event Intensity)" in capsys.readouterr().err
