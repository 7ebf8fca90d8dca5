"""Everything dyadwatch ships, loaded through the normal ingest path: ``dyadwatch demo``.

The UN roll calls (``unvotes``) are listed with the rest but are not events: ``dyadwatch votes``
reads them directly (:mod:`dyadwatch.codebook.rollcalls`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from dyadwatch.ingest import chronology, lists, triggers
from dyadwatch.ingest.pipeline import LoadReport, load_frame
from dyadwatch.ingest.texts import load_texts

# KCNA's English items of 2024 (CC0; see data/PROVENANCE.md): the words beside the deeds in the demo.
KCNA_2024 = Path(__file__).resolve().parent.parent / "data" / "texts" / "kcna-headlines-2024-11-11.json.gz"

if TYPE_CHECKING:
    from dyadwatch.store import Store


@dataclass(frozen=True)
class BundledSource:
    """A dataset shipped in the package, with where it comes from and under what terms."""

    name: str
    title: str
    licence: str
    provenance: str
    citation: str


BUNDLED: tuple[BundledSource, ...] = (
    BundledSource(
        "chronology",
        "dyadwatch chronology of North Korea's foreign relations (one YAML file per relationship)",
        "Apache-2.0 (this project)",
        "Compiled by the dyadwatch developers; every record carries its own reference.",
        "dyadwatch developers (2026). Chronology of North Korea's foreign relations, 1948-2025.",
    ),
    BundledSource(
        "provocations",
        "CSIS Beyond Parallel Database of North Korean Provocations, 1958-2026",
        "CC0 1.0 (repository LICENSE; its README says MIT)",
        "stiles/north-korea-provocations, data/processed/north_korea_provocations_1958_present.csv, "
        "commit 523c75b849cb; content scraped from CSIS Beyond Parallel.",
        "CSIS Beyond Parallel. Database of North Korean Provocations. Center for Strategic and International Studies.",
    ),
    BundledSource(
        "missile_tests",
        "North Korean missile flight tests, 1984-2026 (CNS North Korea Missile Test Database)",
        "Apache-2.0 (repository LICENSE)",
        "nagix/nk-missile-tests, data/{test,missile,facility}.en.json, commit a0cc65874d36.",
        "James Martin Center for Nonproliferation Studies. The CNS North Korea Missile Test Database. NTI.",
    ),
    BundledSource(
        "un_resolutions",
        "UN Security Council resolutions on the DPRK, 1950-2017 (number and adoption day)",
        "Apache-2.0 (this project)",
        "Compiled by the dyadwatch developers from the chronology's checked United Nations records; "
        "each row with its reference.",
        "dyadwatch developers (2026). Trigger data: UN Security Council resolutions on the DPRK.",
    ),
    BundledSource(
        "exercises",
        "US-ROK combined exercises with published start and end days, 1997-2025 (days not sourced: left out)",
        "Apache-2.0 (this project)",
        "Compiled by the dyadwatch developers from USFK, ROK defence-ministry and news reports, with references.",
        "dyadwatch developers (2026). Trigger data: US-ROK combined exercises.",
    ),
    BundledSource(
        "elections",
        "South Korean and US presidential elections, 1987-2025 (polling days; trigger data, not events)",
        "Apache-2.0 (this project)",
        "Compiled by the dyadwatch developers; each row with its encyclopaedia reference.",
        "dyadwatch developers (2026). Trigger data: South Korean and US presidential elections.",
    ),
    BundledSource(
        "kcna_2024",
        "KCNA English articles, 24 December 2023 to 10 November 2024 (2 111 items with full text; texts, not events)",
        "CC0 1.0 (repository LICENSE); the texts are KCNA (kcna.kp) output",
        "stiles/north-korea-news, data/archive/headlines_2024-11-11.json, commit 8154df9a5908, gzip-compressed; "
        "loaded into the texts table for `dyadwatch rhetoric` (design §10).",
        "github.com/stiles/north-korea-news: KCNA headlines and stories scraped daily (archive of 2024-11-11). "
        "Texts: Korean Central News Agency.",
    ),
    BundledSource(
        "unvotes",
        "UN General Assembly roll calls, 1946-2020 (votes of every member; issue labels)",
        "MIT (copyright David Robinson; the unvotes R package)",
        "dgrtwo/unvotes, data/un_votes.rda, un_roll_calls.rda, un_roll_call_issues.rda, commit 7eb7034314ff, "
        "converted to gzip CSV (rcid cast to integer); from Erik Voeten's United Nations General Assembly "
        "Voting Data (Harvard Dataverse). Used by `dyadwatch votes`, not loaded as events.",
        "Voeten, E., Strezhnev, A. and Bailey, M. (2009). United Nations General Assembly Voting Data. "
        "Harvard Dataverse. Robinson, D. unvotes: United Nations General Assembly Voting Data (R package).",
    ),
)


def bundled_file(name: str) -> str:
    """The absolute path of a bundled data file (``data/NAME`` in the installed package): the ``file``
    of its load, in the one form every load records (an absolute path)."""
    with resources.as_file(resources.files("dyadwatch").joinpath(f"data/{name}")) as path:
        return str(Path(path).absolute())


def load_bundled(store: Store, on_done: Callable[[LoadReport], None] | None = None) -> list[LoadReport]:
    """Load the chronology (every relationship file), both lists, UN resolutions and exercises into
    ``store``, and the CC0 KCNA texts of 2024 with the events coded from them (source ``kcna``)."""
    reports: list[LoadReport] = []

    def done(report: LoadReport) -> None:
        reports.append(report)
        if on_done:
            on_done(report)

    for relationship in chronology.relationships():
        done(
            load_frame(
                store,
                chronology.to_frame(relationship),
                label=bundled_file(f"chronology/{relationship.stem}.yaml"),
                sha256=relationship.sha256,
                fmt="chronology",
            )
        )
    frame, digest = lists.provocations()
    done(
        load_frame(
            store,
            frame,
            label=bundled_file("provocations/north_korea_provocations_1958_present.csv"),
            sha256=digest,
            fmt="provocations",
        )
    )
    frame, digest = lists.missile_tests()
    done(load_frame(store, frame, label=bundled_file("missile_tests/test.en.json"), sha256=digest, fmt="missile_tests"))
    frame, digest = triggers.resolution_events()
    resolutions = bundled_file("triggers/un_resolutions.csv")
    done(load_frame(store, frame, label=resolutions, sha256=digest, fmt="un_resolutions"))
    frame, digest = triggers.exercise_events()
    done(load_frame(store, frame, label=bundled_file("triggers/exercises.csv"), sha256=digest, fmt="exercises"))
    # Texts go to the texts table, not events; re-loading the same file adds nothing (content hash).
    store.require_writable()
    for report in load_texts(store.con, [KCNA_2024], fmt="kcna-json", collection="kcna"):
        done(report)
    done(code_bundled_texts(store))
    return reports


def code_bundled_texts(store: Store) -> LoadReport:
    """Code the bundled KCNA texts into events of the source ``kcna`` (``code-texts``), so the demo's
    briefs show what KCNA reported. A selection that names no source leaves these events out
    (design §9), so the chronology's series and numbers mean what they meant before; texts already
    coded by this coder version are skipped ("already loaded")."""
    from dyadwatch.ingest.code_texts import code_texts

    coding = code_texts(store, collection="kcna", source="kcna")
    new = coding.texts_read - coding.texts_skipped
    return LoadReport(
        file=f"code-texts:{coding.source}",
        format="texts:coded",
        status="loaded" if new else "already loaded",
        rows_read=new,
        rows_kept=coding.texts_coded,
        rows_outside_focus=coding.texts_no_event,
        rows_duplicate=coding.texts_duplicate,
        rows_rejected=coding.texts_uncoded,
        load_id=coding.load_id,
    )


def coverage() -> dict[str, dict[str, object]]:
    """Records, first and last date, and relationships of each bundled dataset (no store needed)."""
    rels = chronology.relationships()
    dates = [r.date for rel in rels for r in rel.records]
    provocation_frame, _ = lists.provocations()
    missile_frame, _ = lists.missile_tests()
    result: dict[str, dict[str, object]] = {
        "chronology": {
            "records": len(dates),
            "first": min(dates, default=None),
            "last": max(dates, default=None),
            "relationships": len(rels),
        },
    }
    for name, frame in (("provocations", provocation_frame), ("missile_tests", missile_frame)):
        days = frame["date"].dropna()
        result[name] = {"records": len(frame), "first": days.min(), "last": days.max(), "relationships": 0}
    resolutions, _ = triggers.un_resolutions()
    drills, _ = triggers.exercises()
    polls, _ = triggers.elections()
    trigger_days = (
        ("un_resolutions", resolutions["date"]),
        ("exercises", drills["start"]),
        ("elections", polls["date"]),
    )
    for name, days in trigger_days:
        result[name] = {"records": len(days), "first": days.min(), "last": days.max(), "relationships": 0}
    result["unvotes"] = unvotes_coverage()
    result["kcna_2024"] = kcna_coverage()
    return result


def unvotes_coverage() -> dict[str, object]:
    """Roll calls, first and last day of the bundled UN votes (read from the roll-call file)."""
    import duckdb

    from dyadwatch.codebook.rollcalls import data_dir

    calls = str(data_dir() / "un_roll_calls.csv.gz").replace("'", "''")
    with duckdb.connect() as con:
        row = con.execute(
            f"SELECT count(*), min(CAST(date AS DATE)), max(CAST(date AS DATE)) FROM read_csv('{calls}', header = true)"
        ).fetchone()
    count, first, last = row if row else (0, None, None)
    return {"records": int(count), "first": first, "last": last, "relationships": 0}


def kcna_coverage() -> dict[str, object]:
    """Items, first and last day of the bundled KCNA texts (``date`` is epoch milliseconds, UTC)."""
    import gzip
    import json
    from datetime import UTC, datetime

    items = json.loads(gzip.decompress(KCNA_2024.read_bytes()))
    days = [datetime.fromtimestamp(item["date"] / 1000, UTC).date() for item in items if item.get("date")]
    first, last = min(days, default=None), max(days, default=None)
    return {"records": len(items), "first": first, "last": last, "relationships": 0}
