"""Issue 28 item 1: every analysis states its answer in one to three sentences (the JSON's
``summary``, the first line above the table); the period's choice and the units are said on lines of
their own, so they never lengthen the answer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dyadwatch.cli import run

#: A sentence ends at . ! or ? followed by a space and a capital, a digit or a bracket, or at the end.
SENTENCE_END = re.compile(r"[.!?](?:\s+(?=[A-Z0-9(\"'])|\s*$)")

COMMANDS = {
    "series": ["series", "PRK", "CHN"],
    "breaks": ["breaks", "PRK", "USA", "--freq", "Y"],
    "flex": ["flex", "PRK", "--freq", "Y", "--draws", "20"],
    "circumstances": ["circumstances", "PRK", "--freq", "Y"],
    "compare": ["compare", "PRK"],
    "votes": ["votes", "PRK", "--partners", "CHN,RUS"],
    "shifts": ["shifts", "PRK", "--since", "2025-01-01"],
    "provocations": ["provocations", "PRK", "--permutations", "99"],
    "simulate": ["simulate", "PRK", "USA", "--runs", "20"],
}


def sentences(text: str) -> int:
    return len(SENTENCE_END.findall(text.strip()))


def test_the_sentence_counter_counts_sentences_not_decimals() -> None:
    assert sentences("Rose 4.3x (p = 0.0019). The West fell: 25% to 4%. China: p < 0.001.") == 3
    assert sentences("time_to_cooperation counts years. Frequency chosen, yearly.") == 2


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_answer_is_one_to_three_sentences(
    command: str, bundled_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = [*COMMANDS[command], "--db", str(bundled_db)]
    assert run([*arguments, "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert 1 <= sentences(summary) <= 3, summary
    assert run(arguments) == 0
    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line == summary  # the answer alone on the first line, the period's choice after it
