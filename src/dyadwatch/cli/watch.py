"""``dyadwatch watch`` and ``dyadwatch forecasts``: the watcher and its stored forecasts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dyadwatch.cli.groups import app, forecasts_app
from dyadwatch.cli.options import PATH, OutFormat, check_country, db_option, format_option, open_store, source_option
from dyadwatch.cli.output import print_frame, print_json, say, say_error
from dyadwatch.days import parse_day
from dyadwatch.errors import UsageError

if TYPE_CHECKING:
    import threading

    import pandas as pd

    from dyadwatch.watch.channels import Channel
    from dyadwatch.watch.cycle import CycleReport


# -- watching (design §14, issue 30) -------------------------------------------------------------
def _span(text: str, option: str) -> Any:
    from dyadwatch.watch.cycle import parse_every

    try:
        return parse_every(text)
    except UsageError as exc:
        raise UsageError(f"{option}: {exc}") from None


@app.command("watch")
@click.option("--once", is_flag=True, help="One cycle, then exit (for cron or a systemd timer).")
@click.option("--every", default="15m", help="Without --once: time between cycles (s, m, h or d).")
@click.option("--from", "from_", required=True, help="First day (YYYY-MM-DD) of the GDELT files to fetch.")
@click.option("--to", help="Last day (YYYY-MM-DD) of the files to fetch; default: today (UTC).")
@click.option("--version", type=int, default=2, help="GDELT 1 (daily files) or 2 (15-minute files).")
@click.option("--base-url", help="Where GDELT's list and files are; default: GDELT's published location.")
@click.option("--no-gdelt", is_flag=True, help="Fetch nothing from GDELT (watch only --texts or --csv folders).")
@click.option("--jobs", type=int, default=4, help="Downloads at once.")
@click.option("--timeout", type=float, default=60.0, help="Seconds without data before a request fails.")
@click.option("--retries", type=int, default=4, help="Tries per file and per webhook POST (timeouts, 5xx).")
@click.option("--retry-wait", type=float, default=1.0, help="Seconds before the first retry; doubled each time.")
@click.option("--focus", default="PRK", help="The country watched (ISO alpha-3).")
@click.option("--texts", type=PATH, help="A folder of new KCNA texts (JSON) to load and code each cycle.")
@click.option("--csv", "csv_folder", type=PATH, help="A folder of new CSV event files to load each cycle.")
@click.option("--window", type=click.IntRange(1, 60), default=6, help="Months of the recent window of shifts.")
@click.option("--baseline-years", type=click.IntRange(1, 100), default=10, help="Years of the baseline.")
@click.option("--alpha", type=float, default=0.05, help="False discovery rate across partners (Benjamini-Hochberg).")
@source_option()
@click.option("--permutations", type=click.IntRange(99, 99999), default=9999, help="Permutations per test.")
@click.option("--stale-after", default="6h", help="Alert 'data are stale' after this long without new data.")
@click.option("--forecasts/--no-forecasts", default=True, help="Store each cycle's probabilities.")
@click.option("--forecast-years", type=click.IntRange(1, 80), default=10, help="Years the forecast model learns from.")
@click.option("--episodes", default="bundled", help="Episode list the forecasts are fitted on (CSV or bundled).")
@click.option("--feed", type=PATH, help="Atom feed file of the alerts (rewritten each cycle).")
@click.option("--webhook", help="POST each alert as JSON to this URL.")
@click.option("--smtp", help="Mail each alert through this SMTP server, HOST:PORT.")
@click.option("--smtp-from", default="dyadwatch@localhost", help="Sender of the alert mails.")
@click.option("--smtp-to", multiple=True, help="Recipient (repeatable or comma-separated).")
@click.option("--smtp-user", help="SMTP login; the password is read from $DYADWATCH_SMTP_PASSWORD.")
@click.option("--smtp-tls", is_flag=True, help="Upgrade the SMTP connection with STARTTLS.")
@click.option(
    "--smtp-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trust this PEM file (a CA, or the server's self-signed certificate) for --smtp-tls; "
    "the certificate is always verified, against the system's CAs by default.",
)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print each alert on stdout.")
@db_option
def watch_cmd(
    once: bool, every: str, from_: str, to: str | None, version: int, base_url: str | None, no_gdelt: bool,
    jobs: int, timeout: float, retries: int, retry_wait: float, focus: str, texts: Path | None,
    csv_folder: Path | None, window: int, baseline_years: int, alpha: float, source: tuple[str, ...],
    permutations: int, stale_after: str, forecasts: bool, forecast_years: int, episodes: str, feed: Path | None,
    webhook: str | None, smtp: str | None, smtp_from: str, smtp_to: tuple[str, ...], smtp_user: str | None,
    smtp_tls: bool, smtp_ca: Path | None, to_stdout: bool, db: Path | None,
) -> None:  # fmt: skip
    """Watch for shifts: each cycle syncs GDELT (and the --texts/--csv folders), runs shifts on the
    fresh data and sends an alert once per partner and direction until that shift has cleared.

    Alerts name the partner, the direction, the rate ratio, the adjusted p, the window and the
    baseline, and the events behind it with their links; they go to --feed, --webhook, --smtp and
    --stdout, and what could not be delivered is sent again next cycle. Each cycle also stores its
    probabilities (see `dyadwatch forecasts score`). One watcher per store (a lock); SIGTERM stops
    it after the cycle under way. An idle --once (nothing new) sends nothing and exits 0; exit 1
    when the list could not be read, a file failed or an alert was not delivered.

    \b
    Example: dyadwatch watch --once --from 2026-11-01 --feed alerts.xml --webhook https://hooks.example/dw
    Example: dyadwatch watch --every 15m --from 2026-11-01 --smtp mail.example:587 --smtp-tls --smtp-to me@example.org
    """
    from dyadwatch.api import default_path
    from dyadwatch.watch.cycle import WatchConfig
    from dyadwatch.watch.cycle import watch as run_watch

    start = parse_day(from_, "--from")
    channels = _channels(
        webhook, smtp, smtp_from=smtp_from, smtp_to=smtp_to, smtp_user=smtp_user, smtp_tls=smtp_tls, smtp_ca=smtp_ca,
        to_stdout=to_stdout, retries=retries, retry_wait=retry_wait, timeout=timeout,
    )  # fmt: skip
    config = WatchConfig(
        db=Path(db or default_path()).expanduser().resolve(), start=start, end=parse_day(to, "--to") if to else None,
        gdelt=not no_gdelt, version=version, base_url=base_url, jobs=jobs, timeout=timeout, attempts=retries,
        retry_wait=retry_wait, focus=check_country(focus, "--focus"), texts=texts, csv=csv_folder, window_months=window,
        baseline_years=baseline_years, alpha=alpha, sources=tuple(p for v in source for p in v.split(",") if p),
        permutations=permutations, stale_after=_span(stale_after, "--stale-after"), forecasts=forecasts,
        forecast_years=forecast_years, episodes=episodes, feed=feed.expanduser().resolve() if feed else None,
        channels=channels,
    )  # fmt: skip
    if not 0 < alpha < 1:
        raise UsageError("--alpha must lie between 0 and 1")
    interval = _span(every, "--every")
    stop = _stop_event(once)
    log = _CycleLog()
    if not once:
        say(f"watching {config.db} every {every} (SIGTERM or Ctrl-C stops it)")
    run_watch(config, once=once, every=interval, stop=stop, say=say, on_report=log)
    if once and log.troubled:
        raise click.exceptions.Exit(1)


def _channels(
    webhook: str | None,
    smtp: str | None,
    *,
    smtp_from: str,
    smtp_to: tuple[str, ...],
    smtp_user: str | None,
    smtp_tls: bool,
    smtp_ca: Path | None,
    to_stdout: bool,
    retries: int,
    retry_wait: float,
    timeout: float,
) -> list[Channel]:
    """Where the alerts go, from the options (checked first: a bad URL or server is a usage error):
    the webhook, the mail server, stdout; the feed file is the watcher's own."""
    from dyadwatch.watch.channels import StdoutChannel, WebhookChannel

    if webhook and not webhook.startswith(("http://", "https://")):
        raise UsageError(f"--webhook must start with http:// or https://, not {webhook!r}")
    channels: list[Channel] = []
    if webhook:
        channels.append(WebhookChannel(webhook, attempts=retries, wait=retry_wait, timeout=timeout))
    if smtp:
        channels.append(_smtp_channel(smtp, smtp_from, smtp_to, smtp_user, smtp_tls, smtp_ca, timeout))
    if to_stdout:
        channels.append(StdoutChannel())
    return channels


def _smtp_channel(
    smtp: str,
    smtp_from: str,
    smtp_to: tuple[str, ...],
    smtp_user: str | None,
    smtp_tls: bool,
    smtp_ca: Path | None,
    timeout: float,
) -> Channel:
    """The mail channel of ``--smtp HOST:PORT`` to the ``--smtp-to`` addresses (repeatable or
    comma-separated); the password comes from $DYADWATCH_SMTP_PASSWORD, never the command line."""
    from dyadwatch.watch.channels import SmtpChannel

    host, _, port = smtp.rpartition(":")
    recipients = [part.strip() for value in smtp_to for part in value.split(",") if part.strip()]
    if not host or not port.isdigit():
        raise UsageError(f"--smtp must be HOST:PORT, e.g. mail.example.org:587, not {smtp!r}")
    if not recipients:
        raise UsageError("--smtp needs --smtp-to with at least one address")
    return SmtpChannel(
        host, int(port), smtp_from, recipients, user=smtp_user,
        password=os.environ.get("DYADWATCH_SMTP_PASSWORD"), starttls=smtp_tls, timeout=timeout, cafile=smtp_ca,
    )  # fmt: skip


def _stop_event(once: bool) -> threading.Event:
    """The event that ends a continuous watch: SIGTERM sets it, and the cycle under way finishes
    first. With --once the signal keeps its default."""
    import signal
    import threading

    stop = threading.Event()
    if not once:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return stop


class _CycleLog:
    """Says on stderr what each cycle did (files that failed, a list that could not be read, the
    notes, then one line of counts, or that it was idle), and keeps whether the last cycle had
    trouble (a failed file or list, an undelivered alert): --once exits 1 then."""

    def __init__(self) -> None:
        self.troubled = False

    def __call__(self, report: CycleReport) -> None:
        for failed in report.failed_files:
            say_error(f"{failed['file']}: {failed['reason']} (the other files were loaded)")
        if report.sync_error:
            say_error(f"{report.sync_error} (tried again next cycle)")
        for note in report.notes:
            say(note, "note:")
        self.troubled = bool(report.failed_files or report.sync_error or report.undelivered)
        if report.idle and not report.opened:
            say(f"idle: nothing new (data until {report.data_until}); nothing sent", "watch")
            return
        say(
            f"{report.loaded} files loaded, {len(report.failed_files)} failed; data until {report.data_until}; "
            f"{len(report.opened)} alerts opened, {len(report.cleared)} cleared; {report.delivered} delivered, "
            f"{len(report.undelivered)} not; {report.forecasts} forecasts stored; {report.seconds:.1f} s",
            "watch",
        )


@forecasts_app.command("score")
@click.option("--episodes", default="bundled", help="The episodes that came true: a CSV file, or bundled.")
@click.option("--today", help="Score the forecasts whose horizon has passed by this day (default: today).")
@format_option()
@db_option
def forecasts_score(episodes: str, today: str | None, output: OutFormat, db: Path | None) -> None:
    """Score the stored forecasts against the episodes that later came true: Brier score, skill
    against the base rate and reliability per horizon, after checking the hash chain (a forecast
    changed or removed after the fact is reported, and the command exits 1).

    \b
    Example: dyadwatch forecasts score --format json
    """
    from dyadwatch.watch.forecasts import score

    with open_store(db) as store:
        result = score(store.con, episodes, parse_day(today, "--today") if today else None)
    if output is OutFormat.json:
        print_json(result.to_dict())
    else:
        print_frame(_scores_frame(result.by_horizon), output, "stored forecasts scored")
    _say_chain(result)
    for note in result.notes:
        say(note, "note:")
    if not result.chain.ok:
        raise click.exceptions.Exit(1)


def _say_chain(result: Any) -> None:
    """Whether the stored forecasts' hash chain holds (how many, how many still pending), or where
    it breaks: a forecast changed or removed after the fact."""
    chain = result.chain
    if chain.ok:
        say(f"hash chain verified: {chain.rows} forecasts, none changed or removed; {result.pending} pending")
    else:
        say_error(f"hash chain broken at forecast {chain.broken_at}: {chain.reason}")


def _scores_frame(by_horizon: dict[str, Any]) -> pd.DataFrame:
    """The scores per horizon as a table: one row a horizon, its reliability bins left to JSON."""
    import pandas as pd

    rows = [
        {"horizon_months": h, **{k: v for k, v in entry.items() if k != "reliability"}}
        for h, entry in by_horizon.items()
    ]
    return pd.DataFrame(rows, columns=["horizon_months", "forecasts", "onsets", "base_rate", "brier", "brier_skill"])


@forecasts_app.command("export")
@click.option("--format", "-f", "fmt", type=click.Choice(["csv"]), default="csv", help="Output format.")
@click.option("--out", type=PATH, help="Write to this file (default: stdout).")
@db_option
def forecasts_export(fmt: str, out: Path | None, db: Path | None) -> None:
    """Write every stored forecast, with its hash chain, as CSV.

    \b
    Example: dyadwatch forecasts export --format csv --out forecasts.csv
    """
    from dyadwatch.watch.forecasts import export_csv

    with open_store(db) as store:
        text = export_csv(store.con, out)
    if out is None:
        click.echo(text, nl=False)
