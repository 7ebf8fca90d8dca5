"""The public Python API (design §5): exported names, and the notebook workflow on the bundled data."""

from __future__ import annotations

from pathlib import Path

import dyadwatch as dw
from dyadwatch.series import SERIES_COLUMNS


def test_every_exported_name_resolves_and_the_list_is_sorted() -> None:
    for name in dw.__all__:
        assert getattr(dw, name) is not None, name
    assert dw.__all__ == sorted(dw.__all__, key=lambda n: (not n[0].isupper(), n.lower()))


def test_design_workflow_on_the_bundled_data(bundled_db: Path) -> None:
    with dw.open(bundled_db, read_only=True) as store:
        yearly = store.series("PRK", "CHN", freq="Y")
        assert list(yearly.columns) == list(SERIES_COLUMNS)
        assert int(yearly["events"].sum()) == int(
            store.con.execute(
                "SELECT count(*) FROM events WHERE actor1 = 'PRK' AND actor2 = 'CHN' AND source <> 'kcna'"
            ).fetchone()[0]  # type: ignore[index]
        )  # no source named: every source but the events coded from KCNA's texts (design §9)
        found = dw.breaks(yearly, metric="events", freq="Y").to_dict()
        assert found["metric"] == "events" and isinstance(found["breaks"], list)
        flex = dw.flexibility(store, "PRK", freq="Y", partners=["CHN", "USA"], draws=50).to_dict()
        assert {row["partner"] for row in flex["partners"]} == {"CHN", "USA"}
        early = dw.shifts(store, "PRK", since="2025-01-01").to_dict()
        assert early["focus"] == "PRK" and early["since"] == "2025-01-01"
        kinds = {shift["kind"] for shift in early["shifts"]}
        assert "multilateral_event" in kinds
