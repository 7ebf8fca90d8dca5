"""``--normalize all`` on GDELT: per 1 000 of all GDELT events that day, from totals kept at ingest.

The focus filter keeps only North Korea's rows, so "all events" must come from somewhere else:
every row's date is counted while the file is inflated (``daily_totals``). The known answers are
counted here from the raw generated files with plain Python.
"""

from __future__ import annotations

import collections
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.ingest.source import TextScan
from dyadwatch.testing import GeneratedFiles, write_gdelt2


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    return write_gdelt2(tmp_path_factory.mktemp("gdelt"), 12_000, files=2, focus_share=0.05, months=6, seed=11)


def raw_rows(files: list[Path]) -> list[list[str]]:
    rows = []
    for path in files:
        with zipfile.ZipFile(path) as archive:
            text = archive.read(archive.namelist()[0]).decode("utf-8")
        rows += [line.split("\t") for line in text.splitlines() if line.strip()]
    return rows


def test_daily_totals_count_every_row_whatever_the_focus(generated: GeneratedFiles, store: dw.Store) -> None:
    store.ingest(generated.files)
    expected = collections.Counter(
        date(int(r[1][:4]), int(r[1][4:6]), int(r[1][6:])) for r in raw_rows(generated.files)
    )
    got = store.con.execute("SELECT date, sum(events) FROM daily_totals GROUP BY date").fetchall()
    assert dict(got) == dict(expected)
    assert sum(expected.values()) == generated.rows  # all 12 000 rows, not just the focus's 5 %
    assert store.count() < generated.rows / 10


def test_normalize_all_is_per_1000_gdelt_events_of_the_period(generated: GeneratedFiles, store: dw.Store) -> None:
    store.ingest(generated.files)
    rows = raw_rows(generated.files)
    per_month = collections.Counter(r[1][:6] for r in rows)
    pair = collections.Counter(r[1][:6] for r in rows if r[7] == "PRK" and r[17] == "CHN")
    series = store.series("PRK", "CHN", freq="M", normalize="all")
    assert len(series) == 6
    for _, row in series.iterrows():
        month = pd.Timestamp(row["period"]).strftime("%Y%m")
        assert row["events"] == pytest.approx(1000 * pair[month] / per_month[month])
    # focus keeps its meaning: per 1 000 of the focus country's loaded events
    focus = store.series("PRK", "CHN", freq="M", normalize="focus")
    prk = collections.Counter(r[1][:6] for r in rows if "PRK" in (r[7], r[17]))
    first = pd.Timestamp(focus["period"].iloc[0]).strftime("%Y%m")
    assert focus["events"].iloc[0] == pytest.approx(1000 * pair[first] / prk[first])


def test_day_counter_skips_lines_that_are_not_gdelt_rows() -> None:
    counter = TextScan(count_days=True)
    text = (
        b"1\t20190102\tx\n"
        b"\n"  # blank line
        b"22\t20190102\ty\n"
        b"333\t2019010\tshort date\n"
        b"not a row at all\n"
        b"4444\t20190105"  # last line without newline, split across chunks below
    )
    counter.feed(text[:20])
    counter.feed(text[20:60])
    counter.feed(text[60:] + b"\tz")
    counter.finish()
    assert counter.day_counts == {20190102: 2, 20190105: 1}
    assert counter.lines == 5  # the blank line is not a row
