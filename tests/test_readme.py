"""The README's worked example, run as written: every command exits 0 and does what it says.

The commands are read from README.md (the first bash and python blocks under "Worked example"),
so the test follows the README when it changes. The files the example names are made here: a
GDELT 2.0 export by the project's generator, the real ICEWS sample, and a CSV of its North Korea
rows with the column names the ``--map`` example uses.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.testing import write_gdelt2

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.slow


def worked_example(language: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Worked example", 1)[1]
    match = re.search(rf"```{language}\n(.*?)```", section, flags=re.S)
    assert match, f"no {language} block under 'Worked example' in README.md"
    return match.group(1)


def shell_lines() -> list[str]:
    lines = []
    for raw in worked_example("bash").splitlines():
        line = raw.split(" #", 1)[0].strip()  # drop trailing comments
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


@pytest.fixture
def project(tmp_path: Path, bundled_db: Path) -> Path:
    """A folder laid out as after `make demo`, with the example's input files."""
    (tmp_path / "build").mkdir()
    shutil.copy(bundled_db, tmp_path / "build" / "demo.duckdb")
    generated = write_gdelt2(tmp_path / "gen", 3_000, focus_share=0.2, seed=7)
    generated.files[0].rename(tmp_path / "20190101.export.CSV.zip")
    shutil.copy(DATA / "icews-sample" / "events.2018.sample.tab", tmp_path / "events.2018.tab")
    with (DATA / "icews-sample" / "events.2018.sample.tab").open(encoding="utf-8", newline="") as handle:
        korea = [
            r
            for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            if "North Korea" in (r["Source Country"], r["Target Country"])
        ]
    with (tmp_path / "my.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date", "Src", "Tgt", "Code"])
        for r in korea:
            writer.writerow([r["Event Date"], r["Source Country"], r["Target Country"], r["CAMEO Code"]])
    return tmp_path


def test_readme_shell_commands(project: Path) -> None:
    lines = shell_lines()
    assert any(line.startswith("dyadwatch ingest") for line in lines)
    # `dyadwatch` is run as `python -m dyadwatch` with this checkout's src first, so the test runs
    # the code under test, not whichever copy installed the console script.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("DYADWATCH_DB", None)
    outputs: dict[str, subprocess.CompletedProcess[str]] = {}
    for line in lines:
        if line.startswith("source "):
            continue  # activating the virtual environment: PATH above does it
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = value
            continue
        assert line.startswith("dyadwatch "), f"README command not understood by this test: {line}"
        argv = [sys.executable, "-m", "dyadwatch", *shlex.split(line)[1:]]
        result = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (line, result.stderr)
        assert "Traceback" not in result.stderr
        outputs[line] = result

    # What each command claims to do.
    with dw.open(project / "build" / "demo.duckdb", read_only=True) as store:
        chronology = store.count("chronology")
    exported = project / "chronology.csv"
    assert exported.exists()
    with exported.open(encoding="utf-8") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == chronology
    series = next(out.stdout for line, out in outputs.items() if line.startswith("dyadwatch series"))
    assert "PRK → CHN (Y)" in series
    sources = next(out.stdout for line, out in outputs.items() if line.startswith("dyadwatch sources"))
    assert "chronology" in sources

    def printed(prefix: str) -> str:
        return next(out.stdout for line, out in outputs.items() if line.startswith(prefix))

    # breaks: the title names the dyad and metric; one row per break with its date.
    assert "breaks PRK → USA (goldstein_sum, Y)" in printed("dyadwatch breaks")
    # flex: one row per partner asked for, with a flexibility or a status saying why not.
    flex = printed("dyadwatch flex")
    assert "flexibility" in flex
    for partner in ("CHN", "RUS", "USA", "KOR", "JPN"):  # a table row, or a block of the record layout
        assert f"│ {partner}" in flex or re.search(rf"^partner +{partner}$", flex, re.MULTILINE), partner
    # shifts: JSON of design §4 with rising/falling partners and multilateral events since the date.
    shifts = json.loads(printed("dyadwatch shifts"))
    assert shifts["focus"] == "PRK" and shifts["since"] == "2025-01-01"
    assert {"kind", "summary", "evidence"} <= set(shifts["shifts"][0])
    # votes: the numbers the README quotes (China 0.97 in 1992, 0.84 in 2019; Russia 0.42 and 0.78;
    # the United States below 0.14 throughout).
    with dw.open(project / "build" / "demo.duckdb", read_only=True) as store:
        from dyadwatch.analysis.votes import votes as run_votes

        rows = pd.DataFrame(run_votes(store, "PRK", partners=["CHN", "RUS", "USA"]).to_dict()["rows"])
    agreement = rows.set_index(["partner", "year"])["agreement"]
    assert round(agreement[("CHN", 1992)], 2) == 0.97 and round(agreement[("CHN", 2019)], 2) == 0.84
    assert round(agreement[("RUS", 1992)], 2) == 0.42 and round(agreement[("RUS", 2019)], 2) == 0.78
    assert agreement.loc["USA"].max() < 0.14
    votes = printed("dyadwatch votes")
    assert "UN votes: agreement of PRK" in votes and "1992" in votes
    # simulate: the strategies compared, and the model's limits stated.
    simulate = outputs[next(line for line in outputs if line.startswith("dyadwatch simulate"))]
    assert "strategies of USA toward PRK" in simulate.stdout and "tit-for-tat" in simulate.stdout
    assert "Lucas critique" in simulate.stderr
    # ingest: one summary row per file.
    ingest = printed("dyadwatch ingest --db nk.duckdb 2019")
    assert "20190101.export.CSV.zip" in ingest and "events.2018.tab" in ingest

    with dw.open(project / "nk.duckdb", read_only=True) as store:
        loads = store.loads()
        # loads.file is absolute (issue 28): the files ran from the project folder
        assert all(Path(file).is_absolute() for file in loads["file"])
        loads = loads.set_index(loads["file"].map(lambda file: str(Path(file).relative_to(project))))
        assert loads.loc["20190101.export.CSV.zip", "format"] == "gdelt2"
        assert loads.loc["events.2018.tab", "rows_kept"] == 475
        # The mapped CSV: one event per distinct (date, source, target, code), country names mapped.
        with (project / "my.csv").open(encoding="utf-8", newline="") as handle:
            distinct = {tuple(row.values()) for row in csv.DictReader(handle)}
        assert loads.loc["my.csv", "rows_kept"] == len(distinct)
        assert loads.loc["my.csv", "rows_rejected"] == 0
        pairs = dict(
            store.con.execute(
                "SELECT actor1 || '>' || coalesce(actor2, '-'), count(*) FROM events WHERE source = 'csv' GROUP BY 1"
            ).fetchall()
        )
        assert pairs["PRK>USA"] > 0 and pairs["RUS>PRK"] > 0 and "North Korea>PRK" not in pairs


def test_readme_python_example(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = worked_example("python")
    monkeypatch.chdir(project)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the README's own example
    assert printed.getvalue().strip(), "the README's Python example printed nothing"
