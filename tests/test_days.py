"""One date parser with one message (issue 29 item 5), wherever a day is typed or read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dyadwatch.days import day_message, parse_day
from dyadwatch.errors import InputError, UsageError
from dyadwatch.selection import Selection


def test_a_day_parses_and_a_date_passes_through() -> None:
    assert parse_day("2019-01-31", "--from") == dt.date(2019, 1, 31)
    assert parse_day(" 2019-01-31 ", "--from") == dt.date(2019, 1, 31)
    assert parse_day(dt.date(2020, 2, 29), "--to") == dt.date(2020, 2, 29)
    assert parse_day(dt.datetime(2020, 2, 29, 13, 5), "--to") == dt.date(2020, 2, 29)


@pytest.mark.parametrize("text", ["2019-13-01", "March", "2019-02-30", ""])
def test_a_bad_day_is_a_usage_error_naming_the_option(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_day(text, "--since")
    assert str(caught.value) == day_message("--since", text)
    assert str(caught.value).startswith("bad date: --since must be a day like 2019-01-31 (YYYY-MM-DD), not ")


def test_the_selection_and_the_analyses_say_the_same(tmp_path: Path) -> None:
    """The selection's --to, shifts' --since and a bundled list's day column give one message."""
    from dyadwatch.analysis.shifts import shifts
    from dyadwatch.api import Store
    from dyadwatch.ingest.triggers import row_day

    with pytest.raises(UsageError) as selection:
        Selection(end="2019-02-30")
    assert str(selection.value) == day_message("--to", "2019-02-30")
    with Store(tmp_path / "s.duckdb") as store, pytest.raises(UsageError) as since:
        shifts(store, "PRK", since="soon")
    assert str(since.value) == day_message("--since", "soon")
    with pytest.raises(InputError) as column:
        row_day("1993-05-32", "triggers/un_resolutions.csv", 7, "date")
    assert str(column.value).endswith(f"line 7: {day_message('date', '1993-05-32')}")
    assert row_day("1993-05-31", "triggers/un_resolutions.csv", 7, "date") == dt.date(1993, 5, 31)


def test_no_other_date_parser_message_is_left() -> None:
    """The four parsers' own wordings (issue 29) are gone from the package."""
    src = Path(__file__).resolve().parents[1] / "src" / "dyadwatch"
    text = "\n".join(p.read_text("utf-8") for p in src.rglob("*.py"))
    for old in ("must be a date like", "is not a date; use YYYY-MM-DD", "must be a day like 2017-08-21"):
        assert old not in text, old
