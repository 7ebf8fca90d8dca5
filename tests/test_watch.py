"""`dyadwatch watch` and `dyadwatch forecasts` against real local receivers (issue 30).

GDELT 2.0 files are generated (:func:`dyadwatch.testing.write_gdelt2`) and served with a
``masterfilelist.txt`` from a loopback HTTP server (pytest-httpserver), as in ``test_sync.py``; the
store starts with eight years of steady history, and the served files carry a rise of Russia in
early 2025, which ``shifts`` flags. Webhooks go to a loopback HTTP server, mail to a local SMTP
server (aiosmtpd); kill -9 is sent to a watcher in a subprocess paused at a named point.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.testing import write_gdelt2
from dyadwatch.watch import alerts as alert_state
from dyadwatch.watch import forecasts as fc
from dyadwatch.watch.lock import WatchLock

ROOT = Path(__file__).resolve().parents[1]
NAMES = [f"2025030{i + 1}000000.export.CSV.zip" for i in range(3)]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A store with eight years of steady PRK events (five partners), and three new files: Russia rising."""
    folder = tmp_path_factory.mktemp("watch")
    history = write_gdelt2(folder / "hist", 6000, files=1, focus_share=0.5, start="2017-01-01", months=96, seed=1)
    db = folder / "template.duckdb"
    with dw.Store(db) as store:
        store.ingest(history.files, format="gdelt2")
    new = write_gdelt2(
        folder / "new", 3000, files=3, focus_share=0.6, partners=("RUS",), start="2025-01-01", months=2, seed=2,
        first_id=5_000_000_000,
    )  # fmt: skip
    return {"db": db, "files": {name: path.read_bytes() for name, path in zip(NAMES, new.files, strict=True)}}


@pytest.fixture
def db(template: dict[str, Any], tmp_path: Path) -> Path:
    target = tmp_path / "events.duckdb"
    shutil.copy(template["db"], target)
    return target


def listing(files: dict[str, bytes]) -> str:
    return "".join(
        f"{len(d)} {hashlib.md5(d, usedforsecurity=False).hexdigest()} http://data.gdeltproject.org/gdeltv2/{n}\n"
        for n, d in files.items()
    )


def lastupdate(files: dict[str, bytes]) -> str:
    """GDELT 2.0's ``lastupdate.txt``: the newest export file with its mentions and GKG files."""
    name = max(files)
    stamp, data = name[:14], files[name]
    return (
        listing({name: data})
        + f"1234 {'a' * 32} http://data.gdeltproject.org/gdeltv2/{stamp}.mentions.CSV.zip\n"
        + f"5678 {'b' * 32} http://data.gdeltproject.org/gdeltv2/{stamp}.gkg.csv.zip\n"
    )


def serve(server: HTTPServer, files: dict[str, bytes], listed: dict[str, bytes] | None = None) -> None:
    server.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data(listing(listed or files))
    server.expect_request("/gdeltv2/lastupdate.txt").respond_with_data(lastupdate(listed or files))
    for name, data in files.items():
        server.expect_request(f"/gdeltv2/{name}").respond_with_data(data, content_type="application/zip")


class Hook:
    """A webhook receiver: records every POST's JSON and answers ``status`` (changeable)."""

    def __init__(self, server: HTTPServer) -> None:
        self.posts: list[dict[str, Any]] = []
        self.keys: list[str] = []
        self.status = 200
        server.expect_request("/hook", method="POST").respond_with_handler(self.handle)
        self.url = server.url_for("/hook")

    def handle(self, request: Request) -> Response:
        self.posts.append(json.loads(request.get_data()))
        self.keys.append(request.headers.get("Idempotency-Key", ""))
        return Response("{}", status=self.status)


def watch_args(db: Path, server: HTTPServer, *extra: str) -> list[str]:
    return [
        "watch", "--once", "--from", "2025-03-01", "--to", "2025-03-04", "--base-url", server.url_for("/gdeltv2"),
        "--db", str(db), "--permutations", "999", "--no-forecasts", "--retries", "2", "--retry-wait", "0.01",
        "--timeout", "5", *extra,
    ]  # fmt: skip


def store_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with dw.Store(db, read_only=True) as store:
        return store.con.execute(sql).fetchall()


# -- a cycle, its alerts and the channels ----------------------------------------------------------
def test_cycle_alerts_once_with_numbers_and_links_then_idle_sends_nothing(
    db: Path, template: dict[str, Any], httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(httpserver, template["files"])
    hook = Hook(httpserver)
    feed = tmp_path / "alerts.xml"
    assert run(watch_args(db, httpserver, "--webhook", hook.url, "--feed", str(feed), "--stdout")) == 0
    printed = capsys.readouterr().out
    rising = [p for p in hook.posts if p["kind"] == "rising_partner"]
    assert [p["partner"] for p in rising] == ["RUS"]
    alert = rising[0]
    assert alert["direction"] == "rising" and alert["focus"] == "PRK"
    numbers = alert["numbers"]
    assert numbers["rate_ratio"] > 2 and numbers["p_adjusted"] < 0.05
    assert numbers["recent"]["from"] == "2024-09-01" and numbers["baseline"]["to"] == "2024-08-31"
    assert alert["evidence"] and all(e["reference"].startswith("https://news.example/") for e in alert["evidence"])
    assert {e["actor1"] for e in alert["evidence"]} | {e["actor2"] for e in alert["evidence"]} == {"PRK", "RUS"}
    assert f"dyadwatch-alert-{alert['id']}" in hook.keys
    assert "PRK-RUS: rising" in printed and alert["evidence"][0]["reference"] in printed
    entries = ET.parse(feed).getroot().findall(f"{ATOM}entry")
    assert len(entries) == len(hook.posts) == len(store_rows(db, "SELECT * FROM alerts"))
    links = {link.get("href") for entry in entries for link in entry.findall(f"{ATOM}link")}
    assert alert["evidence"][0]["reference"] in links
    # Nothing new: exit 0, nothing sent, the feed as it was.
    before = feed.read_bytes()
    assert run(watch_args(db, httpserver, "--webhook", hook.url, "--feed", str(feed), "--stdout")) == 0
    assert len(hook.posts) == len(rising) + len([p for p in hook.posts if p["kind"] != "rising_partner"])
    assert len(hook.posts) == len(entries)
    assert capsys.readouterr().out == ""
    assert feed.read_bytes() == before


def test_idle_once_says_so_and_loads_nothing(db: Path, template: dict[str, Any], httpserver: HTTPServer) -> None:
    serve(httpserver, template["files"])
    assert run(watch_args(db, httpserver)) == 0
    loads = store_rows(db, "SELECT count(*) FROM loads")[0][0]
    result = subprocess.run(
        [sys.executable, "-m", "dyadwatch", *watch_args(db, httpserver, "--stdout")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "idle: nothing new" in result.stderr
    assert store_rows(db, "SELECT count(*) FROM loads")[0][0] == loads


QUARTERS = [f"2025030100{m:02d}00.export.CSV.zip" for m in (0, 15, 30)]  # three 15-minute files in a row


class Gdelt:
    """GDELT 2.0 on the loopback server, changeable between cycles: ``files`` are listed in
    ``masterfilelist.txt`` and served, ``lastupdate.txt`` names the newest unless ``last`` (status,
    body) replaces it."""

    def __init__(self, server: HTTPServer, files: dict[str, bytes]) -> None:
        self.files = dict(files)
        self.last: tuple[int, str] | None = None
        self.server = server
        server.expect_request(re.compile(r"^/gdeltv2/[^/]+$")).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        name = request.path.rsplit("/", 1)[-1]
        if name == "masterfilelist.txt":
            return Response(listing(self.files))
        if name == "lastupdate.txt":
            return Response(self.last[1], status=self.last[0]) if self.last else Response(lastupdate(self.files))
        if name in self.files:
            return Response(self.files[name], content_type="application/zip")
        return Response("not found", status=404)

    def asked(self) -> list[str]:
        """The names requested since the log was last cleared, in order."""
        return [request.path.rsplit("/", 1)[-1] for request, _ in self.server.log]


def last_report(db: Path) -> dict[str, Any]:
    return dict(json.loads(store_rows(db, "SELECT value FROM watch_status WHERE name = 'last_report'")[0][0]))


def test_idle_cycle_reads_lastupdate_not_the_master_list_and_a_new_file_loads_alone(
    db: Path, template: dict[str, Any], httpserver: HTTPServer
) -> None:
    data = [template["files"][name] for name in NAMES]
    gdelt = Gdelt(httpserver, {QUARTERS[0]: data[0], QUARTERS[1]: data[1]})
    assert run(watch_args(db, httpserver)) == 0  # the first cycle: no mark yet, the master list
    assert gdelt.asked()[0] == "masterfilelist.txt" and "lastupdate.txt" not in gdelt.asked()
    httpserver.clear_log()
    assert run(watch_args(db, httpserver)) == 0
    assert gdelt.asked() == ["lastupdate.txt"]
    idle = last_report(db)
    assert idle["idle"] and idle["list_read"] == "lastupdate.txt" and idle["notes"] == []
    gdelt.files[QUARTERS[2]] = data[2]  # GDELT publishes the next 15-minute file
    httpserver.clear_log()
    assert run(watch_args(db, httpserver)) == 0
    assert gdelt.asked() == ["lastupdate.txt", QUARTERS[2]]
    assert last_report(db)["loaded"] == 1
    loaded = {Path(row[0]).name for row in store_rows(db, "SELECT file FROM loads")}
    assert set(QUARTERS) <= loaded


def test_lastupdate_missing_or_malformed_falls_back_to_the_master_list_with_a_note(
    db: Path, template: dict[str, Any], httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    data = [template["files"][name] for name in NAMES]
    gdelt = Gdelt(httpserver, {QUARTERS[0]: data[0], QUARTERS[1]: data[1]})
    assert run(watch_args(db, httpserver)) == 0
    loads = store_rows(db, "SELECT count(*) FROM loads")[0][0]
    capsys.readouterr()
    for last, said in [((404, "not found"), "(HTTP 404)"), ((200, "<html>maintenance</html>"), "malformed")]:
        gdelt.last = last
        httpserver.clear_log()
        assert run(watch_args(db, httpserver)) == 0  # still a plain idle cycle: exit 0, nothing loaded
        assert gdelt.asked() == ["lastupdate.txt", "masterfilelist.txt"]
        report = last_report(db)
        assert report["idle"] and report["list_read"] == "masterfilelist.txt"
        assert [n for n in report["notes"] if "lastupdate.txt" in n and said in n]
        assert "masterfilelist.txt instead" in capsys.readouterr().err
    assert store_rows(db, "SELECT count(*) FROM loads")[0][0] == loads


def test_alert_fires_once_and_again_only_after_it_cleared(db: Path) -> None:
    seen = alert_state.Candidate("PRK", "RUS", "rising_partner", "RUS", "rising", "RUS rose", {"rate_ratio": 3.0}, [])
    now = datetime(2025, 3, 1, 12)
    with dw.Store(db) as store:
        con, kinds = store.con, alert_state.SHIFT_KINDS
        first = alert_state.reconcile(con, "PRK", [seen], kinds, now, "2025-02-28", [("stdout", "-")])
        again = alert_state.reconcile(con, "PRK", [seen], kinds, now, "2025-02-28", [("stdout", "-")])
        gone = alert_state.reconcile(con, "PRK", [], kinds, now, "2025-02-28", [("stdout", "-")])
        back = alert_state.reconcile(con, "PRK", [seen], kinds, now, "2025-02-28", [("stdout", "-")])
        deliveries = con.execute("SELECT alert_id FROM alert_deliveries ORDER BY alert_id").fetchall()
    assert len(first.opened) == 1 and again.opened == [] and again.cleared == []
    assert gone.cleared == first.opened
    assert len(back.opened) == 1 and back.opened != first.opened
    assert [row[0] for row in deliveries] == first.opened + back.opened


def test_webhook_500_is_retried_recorded_undelivered_and_sent_next_cycle(
    db: Path, template: dict[str, Any], httpserver: HTTPServer
) -> None:
    serve(httpserver, template["files"])
    hook = Hook(httpserver)
    hook.status = 500
    assert run(watch_args(db, httpserver, "--webhook", hook.url)) == 1
    alerts = store_rows(db, "SELECT count(*) FROM alerts")[0][0]
    assert alerts >= 1 and len(hook.posts) == 2 * alerts  # --retries 2: two tries per alert
    failed = store_rows(db, "SELECT status, attempts, last_error FROM alert_deliveries")
    assert {(s, a) for s, a, _ in failed} == {("failed", 1)} and all("HTTP 500" in e for _, _, e in failed)
    hook.status = 200
    hook.posts.clear()
    assert run(watch_args(db, httpserver, "--webhook", hook.url)) == 0
    assert len(hook.posts) == alerts and len({p["id"] for p in hook.posts}) == alerts
    assert {row[0] for row in store_rows(db, "SELECT status FROM alert_deliveries")} == {"delivered"}
    hook.posts.clear()
    assert run(watch_args(db, httpserver, "--webhook", hook.url)) == 0
    assert hook.posts == []


def test_smtp_mail_reaches_a_local_server(db: Path, template: dict[str, Any], httpserver: HTTPServer) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[Any] = []

    class Keep(Message):  # type: ignore[misc]
        def handle_message(self, message: Any) -> None:
            received.append(message)

    with socket.socket() as probe:  # a free loopback port (aiosmtpd's own start-up check cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        serve(httpserver, template["files"])
        args = ["--smtp", f"127.0.0.1:{port}", "--smtp-to", "analyst@example.org", "--smtp-from", "dw@example.org"]
        assert run(watch_args(db, httpserver, *args)) == 0
    finally:
        controller.stop()
    subjects = [m["Subject"] for m in received]
    assert "[dyadwatch] PRK-RUS: rising" in subjects
    body = next(m for m in received if m["Subject"] == "[dyadwatch] PRK-RUS: rising").get_payload()
    assert "rate ratio" in body and "adjusted p" in body and "https://news.example/" in body
    assert all(m["To"] == "analyst@example.org" for m in received)
    assert len(received) == store_rows(db, "SELECT count(*) FROM alerts")[0][0]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (and its key), made with the openssl
    command line: neither ``cryptography`` nor ``trustme`` is in the environment."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_smtp_starttls_verifies_the_certificate_and_a_refused_login_is_recorded(
    db: Path, template: dict[str, Any], httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from dyadwatch.watch.channels import SmtpChannel
    from dyadwatch.watch.cycle import WatchConfig, watch

    cert, key = self_signed_certificate(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    received: list[tuple[bool, bool, bytes]] = []  # (over TLS, logged in, the mail)

    class Keep:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append((session.ssl is not None, session.authenticated, envelope.content))
            return "250 OK"

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        given = [v.encode() if isinstance(v, str) else v for v in (data.login, data.password)]
        good = isinstance(data, LoginPassword) and given == [b"analyst", b"s3cret"]
        return AuthResult(success=good, handled=False)  # handled=False: aiosmtpd answers 535 itself

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        Keep(), hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True, authenticator=check,
        auth_require_tls=True, auth_required=True,
    )  # fmt: skip
    controller.start()
    serve(httpserver, template["files"])

    def cycle(**smtp: Any) -> Any:
        channel = SmtpChannel("127.0.0.1", port, "dw@example.org", ["analyst@example.org"], starttls=True,
                              user="analyst", timeout=10, **smtp)  # fmt: skip
        config = WatchConfig(
            db=db, start=date(2025, 3, 1), end=date(2025, 3, 4), base_url=httpserver.url_for("/gdeltv2"),
            permutations=999, forecasts=False, attempts=2, retry_wait=0.01, timeout=5, channels=[channel],
        )  # fmt: skip
        return watch(config, once=True)

    def deliveries() -> set[tuple[str, str | None]]:
        return set(store_rows(db, "SELECT status, last_error FROM alert_deliveries WHERE channel = 'smtp'"))

    try:
        untrusted = cycle(password="s3cret")  # no cafile: the system's CAs do not know this certificate
        alerts = store_rows(db, "SELECT count(*) FROM alerts")[0][0]
        assert alerts >= 1 and len(untrusted.undelivered) == alerts and received == []
        assert {status for status, _ in deliveries()} == {"failed"}
        assert all("not trusted by the system's CAs" in str(error) for _, error in deliveries())
        refused = cycle(password="wrong", cafile=cert)
        assert len(refused.undelivered) == alerts and received == []
        assert {status for status, _ in deliveries()} == {"failed"}
        assert all("login as analyst refused (535" in str(error) for _, error in deliveries()), deliveries()
        # the command line's --smtp-ca (and the password from the environment) trusts the certificate
        monkeypatch.setenv("DYADWATCH_SMTP_PASSWORD", "s3cret")
        smtp = ["--smtp", f"127.0.0.1:{port}", "--smtp-to", "analyst@example.org", "--smtp-from", "dw@example.org",
                "--smtp-user", "analyst", "--smtp-tls", "--smtp-ca", str(cert)]  # fmt: skip
        assert run(watch_args(db, httpserver, *smtp)) == 0
    finally:
        controller.stop()
    assert deliveries() == {("delivered", None)}
    assert len(received) == alerts and all(over_tls and logged_in for over_tls, logged_in, _ in received)
    assert b"Subject: [dyadwatch] PRK-RUS: rising" in b"".join(mail for _, _, mail in received)


# -- faults ---------------------------------------------------------------------------------------
def test_network_down_then_stale_alert_then_cleared(
    db: Path, template: dict[str, Any], httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = Hook(httpserver)
    down = ["--base-url", "http://127.0.0.1:9/gdeltv2"]  # the discard port: nothing listens
    args = watch_args(db, httpserver, "--webhook", hook.url, "--stale-after", "1s", "--retries", "2")
    args = [*args[: args.index("--base-url")], *args[args.index("--base-url") + 2 :], *down]
    assert run(args) == 1  # the list could not be read: said, exit 1, no traceback
    assert "cannot read GDELT's file list" in capsys.readouterr().err
    assert [p["kind"] for p in hook.posts if p["kind"] == "stale_data"] == []
    time.sleep(1.1)
    assert run(args) == 1
    stale = [p for p in hook.posts if p["kind"] == "stale_data"]
    assert len(stale) == 1 and "data are stale since" in stale[0]["summary"]
    assert "could not be read" in stale[0]["summary"]
    assert run(args) == 1
    assert len([p for p in hook.posts if p["kind"] == "stale_data"]) == 1  # once, not every cycle
    serve(httpserver, template["files"])
    assert run(watch_args(db, httpserver, "--webhook", hook.url, "--stale-after", "1s")) == 0
    cleared = store_rows(db, "SELECT cleared FROM alerts WHERE kind = 'stale_data'")
    assert len(cleared) == 1 and cleared[0][0] is not None


def test_a_corrupt_file_is_named_and_the_others_load(
    db: Path, template: dict[str, Any], httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    files = dict(template["files"])
    files[NAMES[1]] = b"PK\x03\x04 this is not a zip archive"
    serve(httpserver, files)
    assert run(watch_args(db, httpserver)) == 1
    err = capsys.readouterr().err
    assert NAMES[1] in err and "the other files were loaded" in err
    loaded = {Path(row[0]).name for row in store_rows(db, "SELECT file FROM loads")}
    assert NAMES[0] in loaded and NAMES[2] in loaded and NAMES[1] not in loaded


def test_a_second_watcher_exits_with_a_clear_message(
    db: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with WatchLock(db):
        assert run(watch_args(db, httpserver)) == 1
    err = capsys.readouterr().err
    assert f"another dyadwatch watch (PID {os.getpid()}) is running" in err and "Traceback" not in err


def _start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "dyadwatch", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def _wait_for(process: subprocess.Popen[str], text: str, limit: float = 90.0) -> str:
    """Read the process's stderr until a line holds ``text`` (bounded)."""
    assert process.stderr is not None
    seen = ""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen += line
        if text in line:
            return seen
    process.kill()
    process.communicate(timeout=30)
    raise AssertionError(f"never saw {text!r}; stderr: {seen}")


def test_sigterm_stops_the_loop_cleanly(db: Path, template: dict[str, Any], httpserver: HTTPServer) -> None:
    serve(httpserver, template["files"])
    args = [a for a in watch_args(db, httpserver) if a != "--once"] + ["--every", "1h"]
    process = _start(args)
    _wait_for(process, "watch ")  # the first cycle's summary
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0 and "stopped (SIGTERM)" in err
    status = dict(store_rows(db, "SELECT name, value FROM watch_status"))
    assert status["next_run_at"] and status["last_cycle_at"]


@pytest.mark.parametrize("point", ["loaded:1", "after_sync", "after_alerts", "after_delivery"])
def test_kill_9_mid_cycle_repeats_nothing_and_loses_nothing(
    point: str, db: Path, template: dict[str, Any], httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve(httpserver, template["files"])
    hook = Hook(httpserver)
    feed = tmp_path / "alerts.xml"
    args = watch_args(db, httpserver, "--webhook", hook.url, "--feed", str(feed), "--jobs", "1")
    process = _start(args, {"DYADWATCH_WATCH_PAUSE_AT": point})
    _wait_for(process, f"paused at {point}")
    process.kill()
    process.communicate(timeout=30)  # reaps it and closes its pipes
    assert run(args) == 0
    names = [Path(row[0]).name for row in store_rows(db, "SELECT file FROM loads WHERE file LIKE '%2025030%'")]
    assert sorted(names) == NAMES  # each file loaded once
    events = store_rows(db, "SELECT count(*), count(DISTINCT event_id) FROM events")[0]
    assert events[0] == events[1]
    alerts = store_rows(db, "SELECT alert_id, kind, key FROM alerts")
    assert len({(kind, key) for _, kind, key in alerts}) == len(alerts) >= 1
    assert sorted(p["id"] for p in hook.posts) == sorted(a[0] for a in alerts)  # each sent exactly once
    assert len(ET.parse(feed).getroot().findall(f"{ATOM}entry")) == len(alerts)


# -- forecasts --------------------------------------------------------------------------------------
def _episodes(tmp_path: Path) -> Path:
    path = tmp_path / "episodes.csv"
    path.write_text("name,partner,kind,start\nrus-up,RUS,rising,2024-02-10\nchn-down,CHN,falling,2024-06-01\n")
    return path


def test_forecasts_chained_scored_and_a_revision_detected(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = datetime(2024, 1, 20, 8, 0, 0)
    rows = [
        {"partner": "RUS", "kind": "rising", "horizon_months": 1, "probability": 0.8},
        {"partner": "CHN", "kind": "falling", "horizon_months": 1, "probability": 0.3},
        {"partner": "USA", "kind": "rising", "horizon_months": 1, "probability": 0.1},
    ]
    with dw.Store(db) as store:
        assert fc.record(store.con, "PRK", made, date(2024, 2, 1), date(2024, 1, 19), rows, "dyadwatch test") == 3
        # a later cycle of the same month repeats it; only the first per as-of day is scored
        later = [{**r, "probability": 0.5} for r in rows]
        fc.record(store.con, "PRK", datetime(2024, 1, 21), date(2024, 2, 1), date(2024, 1, 20), later, "dyadwatch test")
    episodes = str(_episodes(tmp_path))
    assert run(["forecasts", "score", "--db", str(db), "--episodes", episodes, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    scored = json.loads(out)
    assert scored["chain"]["ok"] and scored["chain"]["rows"] == 6 and "hash chain verified: 6" in err
    one = scored["by_horizon"]["1"]
    # RUS rising started 2024-02-10 (came: 1), CHN falling on 2024-06-01 (outside [Feb, Mar): 0), USA: 0
    assert one["forecasts"] == 3 and one["onsets"] == 1
    assert one["brier"] == pytest.approx(((0.8 - 1) ** 2 + 0.3**2 + 0.1**2) / 3)
    assert one["brier_skill"] == pytest.approx(1 - one["brier"] / (((1 - 1 / 3) ** 2 + 2 * (1 / 3) ** 2) / 3))
    assert run(["forecasts", "export", "--format", "csv", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("seq,made_at,as_of,data_until") and len(lines) == 7
    with dw.Store(db) as store:  # a revision after the fact
        store.con.execute("UPDATE forecasts SET probability = 0.99 WHERE seq = 2")
    assert run(["forecasts", "score", "--db", str(db), "--episodes", episodes]) == 1
    assert "hash chain broken at forecast 2" in capsys.readouterr().err
    with dw.Store(db) as store:
        store.con.execute("UPDATE forecasts SET probability = 0.8 WHERE seq = 2")  # rows go CHN, RUS, USA
        store.con.execute("DELETE FROM forecasts WHERE seq = 4")
    assert run(["forecasts", "score", "--db", str(db), "--episodes", episodes]) == 1
    assert "missing" in capsys.readouterr().err


def test_a_cycle_stores_its_probabilities(
    db: Path, template: dict[str, Any], httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve(httpserver, template["files"])
    episodes = tmp_path / "episodes.csv"  # onsets enough to learn from within three years
    starts = ["2022-03-01", "2022-09-01", "2023-02-01", "2023-07-01", "2023-11-01", "2024-03-01"]
    lines = [f"e{i},{partner},{kind},{day}" for i, day in enumerate(starts) for partner, kind in [("RUS", "rising")]]
    lines += [f"c{i},CHN,falling,{day}" for i, day in enumerate(starts[::2])]
    episodes.write_text("name,partner,kind,start\n" + "\n".join(lines) + "\n")
    args = [a for a in watch_args(db, httpserver) if a != "--no-forecasts"]
    args += ["--forecast-years", "3", "--episodes", str(episodes)]
    assert run(args) == 0
    rows = store_rows(
        db, "SELECT as_of, data_until, partner, kind, horizon_months, probability, code_version FROM forecasts"
    )
    assert rows, "no forecast stored"
    assert {r[0] for r in rows} == {date(2025, 3, 1)} and {r[1] for r in rows} == {date(2025, 2, 28)}
    assert {r[4] for r in rows} == {1, 3, 6} and all(0 < r[5] < 1 for r in rows)
    assert {"RUS", "CHN"} <= {r[2] for r in rows} and rows[0][6].startswith("dyadwatch ")
    with dw.Store(db, read_only=True) as store:
        assert fc.verify_chain(fc.rows(store.con)).ok


# -- README ------------------------------------------------------------------------------------------
def test_readme_cron_and_systemd_lines_run(
    db: Path, template: dict[str, Any], httpserver: HTTPServer, tmp_path: Path
) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Watch", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"(dyadwatch watch --once[^\n`]*)", section)
    assert len(commands) >= 2, "the Watch section shows a cron line and a systemd ExecStart"
    serve(httpserver, template["files"])
    for command in commands:
        line = command.replace("http://data.gdeltproject.org/gdeltv2", httpserver.url_for("/gdeltv2"))
        line = line.replace("%h/dw", str(tmp_path)).replace("$HOME/dw", str(tmp_path)).split(" >>")[0]
        line = line.replace("--from 2026-11-01", "--from 2025-03-01")  # the day of the served files
        args = shlex.split(line)[1:]
        args += ["--to", "2025-03-04", "--no-forecasts", "--permutations", "999"]
        assert run(args) == 0, line
        assert (tmp_path / "alerts.xml").exists()
        entries = ET.parse(tmp_path / "alerts.xml").getroot().findall(f"{ATOM}entry")
        assert "PRK-RUS: rising" in {entry.findtext(f"{ATOM}title") for entry in entries}
        (tmp_path / "alerts.xml").unlink()
        shutil.copy(template["db"], db)  # the README names the same store: the next line starts afresh


# -- the dashboard ----------------------------------------------------------------------------------
def test_dashboard_serves_the_feed_and_the_watch_status(
    db: Path, template: dict[str, Any], httpserver: HTTPServer, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from dyadwatch.web import create_app

    with TestClient(create_app(db)) as client:  # a store no watcher has written to: empty, not an error
        assert client.get("/api/watch").json()["alerts"] == []
    serve(httpserver, template["files"])
    feed = tmp_path / "alerts.xml"
    assert run(watch_args(db, httpserver, "--feed", str(feed))) == 0
    with TestClient(create_app(db)) as client:
        served = client.get("/feed.xml")
        state = client.get("/api/watch").json()
        page = client.get("/").text
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/atom+xml")
    titles = {e.findtext(f"{ATOM}title") for e in ET.fromstring(served.content).findall(f"{ATOM}entry")}
    assert titles == {e.findtext(f"{ATOM}title") for e in ET.parse(feed).getroot().findall(f"{ATOM}entry")}
    assert "PRK-RUS: rising" in titles
    assert state["last_data_day"] == "2025-02-28" and state["last_cycle_at"] and state["next_run_at"] is None
    assert {a["partner"] for a in state["alerts"]} >= {"RUS"}
    assert 'id="watch-panel"' in page and "/static/watch.js" in page
