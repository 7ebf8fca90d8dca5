"""A bootstrap or permutation seed is a non-negative integer on every face: the command line refuses
a negative one with a usage error (exit 2) and the HTTP API with 422, never a server error (the fuzz
test of the API found ``/api/flex?seed=-1`` answered 500 from numpy's generator)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dyadwatch.cli import run
from dyadwatch.web import create_app


@pytest.mark.parametrize("command", ["flex", "provocations", "simulate"])
def test_the_command_line_refuses_a_negative_seed(
    command: str, bundled_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = [command, "PRK", *(["CHN"] if command == "simulate" else []), "--seed", "-1", "--db", str(bundled_db)]
    assert run(arguments) == 2
    err = capsys.readouterr().err
    assert "--seed" in err and "x>=0" in err and "Traceback" not in err


def test_the_http_api_refuses_a_negative_seed(bundled_db: Path) -> None:
    with TestClient(create_app(bundled_db)) as client:
        response = client.get("/api/flex", params={"focus": "PRK", "seed": -1, "freq": "Y", "draws": 0})
        assert response.status_code == 422
        assert "seed" in response.json()["error"]
        assert client.get("/api/flex", params={"focus": "PRK", "seed": 3, "freq": "Y", "draws": 0}).status_code == 200
