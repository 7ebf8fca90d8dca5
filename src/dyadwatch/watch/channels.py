"""Where alerts go: an Atom feed file, a webhook (JSON POST), e-mail over SMTP, stdout.

Each channel sends one alert or raises :class:`DeliveryError` with the reason; the cycle records
the outcome per alert and channel (``alert_deliveries``) and sends what failed again next cycle.
Delivery is at least once: a watcher killed between a send and its record sends that alert again,
so the webhook carries the alert's id (``id`` and an ``Idempotency-Key`` header) for a receiver to
drop a repeat. The feed is written whole from the store each time (to a temporary file renamed over
the old one), so it never repeats an entry and a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import httpx
import tenacity

from dyadwatch.errors import DyadwatchError

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:dyadwatch:alerts"
#: Entries in the feed: the newest alerts.
FEED_ENTRIES = 200


class DeliveryError(DyadwatchError):
    """An alert could not be delivered on a channel (it is sent again next cycle)."""


class Channel(Protocol):
    name: str
    target: str

    def send(self, alert: dict[str, Any]) -> None: ...


def numbers_line(alert: dict[str, Any]) -> str:
    """The alert's numbers in one line: rate ratio, adjusted p, the recent window and the baseline."""
    n = alert["numbers"]
    parts: list[str] = []
    if n.get("rate_ratio") is not None:
        parts.append(f"rate ratio {n['rate_ratio']:.2f}")
    elif "recent_rate" in n:
        parts.append("rate ratio: none in the baseline")
    if "baseline_share" in n:
        parts.append(f"share {n['baseline_share']:.1%} -> {n['recent_share']:.1%}")
    if n.get("p_adjusted") is not None:
        parts.append(f"adjusted p {n['p_adjusted']:.3g}")
    recent, baseline = n.get("recent") or {}, n.get("baseline") or {}
    if recent:
        parts.append(f"window {recent.get('from')}..{recent.get('to')}")
    if baseline:
        parts.append(f"baseline {baseline.get('from')}..{baseline.get('to')}")
    if n.get("partner_count"):
        parts.append(f"{n['partner_count']} partners on {', '.join(n.get('dates', []))}")
    return "; ".join(parts)


def title(alert: dict[str, Any]) -> str:
    return f"{alert['focus']}-{alert['partner']}: {alert['direction']}"


def text_body(alert: dict[str, Any]) -> str:
    """The alert as plain text: what, the numbers, the events behind it with their links."""
    lines = [title(alert), "", alert["summary"]]
    numbers = numbers_line(alert)
    if numbers:
        lines.append(numbers)
    lines.append(f"opened {alert['opened']} UTC; data until {alert['data_until']}")
    if alert["evidence"]:
        lines += ["", "Events behind it:"]
        for event in alert["evidence"]:
            link = f" <{event['reference']}>" if event.get("reference") else ""
            what = event.get("summary") or event.get("event_code") or ""
            lines.append(f"- {event.get('date')} {event.get('actor1')}->{event.get('actor2')} {what}{link}")
    return "\n".join(lines) + "\n"


def payload(alert: dict[str, Any]) -> dict[str, Any]:
    """The webhook's JSON: the alert as stored, plus a title and its numbers line."""
    return {"type": "dyadwatch.alert", "title": title(alert), "numbers_line": numbers_line(alert), **alert}


# -- feed ----------------------------------------------------------------------------------------
def atom_feed(alerts: Sequence[dict[str, Any]], updated: str, link: str | None = None) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of ``alerts``, newest first: one entry per alert, its events as
    ``related`` links."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = FEED_ID
    ET.SubElement(feed, f"{{{ATOM}}}title").text = "dyadwatch alerts"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _atom_time(updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "dyadwatch"
    if link:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=link)
    for alert in list(alerts)[:FEED_ENTRIES]:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:dyadwatch:alert:{alert['id']}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = title(alert) + (" (cleared)" if alert.get("cleared") else "")
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _atom_time(alert["opened"])
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _atom_time(alert["opened"])
        ET.SubElement(entry, f"{{{ATOM}}}category", term=alert["kind"])
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = alert["summary"]
        body = text_body(alert)
        if alert.get("cleared"):
            body += f"\ncleared {alert['cleared']} UTC\n"
        ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = body
        for event in alert["evidence"]:
            if event.get("reference"):
                ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=str(event["reference"]))
    ET.indent(feed)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _atom_time(text: str) -> str:
    return text if text.endswith("Z") or "+" in text[10:] else text + "Z"


def write_feed(path: Path, alerts: Sequence[dict[str, Any]], updated: str) -> None:
    """Write the feed whole: to a temporary file beside ``path``, then renamed over it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        part.write_bytes(atom_feed(alerts, updated))
        os.replace(part, path)
    except OSError as exc:
        raise DeliveryError(f"cannot write the feed {path}: {exc.strerror or exc}; check --feed") from None


# -- webhook -------------------------------------------------------------------------------------
class _Retryable(Exception):
    """A webhook answer worth retrying (429, 5xx)."""


@dataclass
class WebhookChannel:
    """POST each alert as JSON to ``target``; timeouts, dropped connections, 429 and 5xx are retried
    ``attempts`` times with exponential backoff from ``wait`` seconds."""

    target: str
    attempts: int = 4
    wait: float = 1.0
    timeout: float = 10.0
    name: str = "webhook"

    def send(self, alert: dict[str, Any]) -> None:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(1, self.attempts)),
            wait=tenacity.wait_exponential(multiplier=self.wait, max=max(self.wait, 60.0)),
            retry=tenacity.retry_if_exception_type((httpx.TransportError, _Retryable)),
            reraise=True,
        )
        body = json.dumps(payload(alert)).encode("utf-8")
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"dyadwatch-alert-{alert['id']}"}
        try:
            with httpx.Client(timeout=self.timeout) as client:
                for attempt in retrying:
                    with attempt:
                        response = client.post(self.target, content=body, headers=headers)
                        if response.status_code == 429 or response.status_code >= 500:
                            raise _Retryable(f"HTTP {response.status_code}")
                        if response.status_code >= 300:
                            raise DeliveryError(f"HTTP {response.status_code}")
        except DeliveryError:
            raise
        except (httpx.HTTPError, _Retryable) as exc:
            reason = str(exc) or type(exc).__name__
            raise DeliveryError(f"{reason} after {self.attempts} tries") from None


# -- e-mail --------------------------------------------------------------------------------------
@dataclass
class SmtpChannel:
    """Mail each alert over SMTP to ``recipients``; ``starttls`` upgrades the connection (TLS),
    ``user`` logs in with ``password`` (from $DYADWATCH_SMTP_PASSWORD on the command line).

    The server's certificate is always verified, with its host name: against the system's CAs, or
    against ``cafile`` (a PEM file of the CA, or of a self-signed server certificate) for a server
    whose certificate no public CA signed. There is no switch to skip verification: the password
    would go to whoever answers. A refused login or an untrusted certificate is a delivery failure
    that says so (recorded, sent again next cycle), never a traceback."""

    host: str
    port: int
    sender: str
    recipients: list[str]
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    cafile: Path | None = None
    timeout: float = 30.0
    name: str = "smtp"
    target: str = field(init=False)

    def __post_init__(self) -> None:
        self.target = f"{self.host}:{self.port}"

    def send(self, alert: dict[str, Any]) -> None:
        message = EmailMessage()
        message["Subject"] = f"[dyadwatch] {title(alert)}"
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Message-ID"] = f"<dyadwatch-alert-{alert['id']}@dyadwatch>"
        message.set_content(text_body(alert))
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=self.cafile))
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            answer = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            raise DeliveryError(
                f"SMTP {self.target}: login as {self.user} refused ({exc.smtp_code} {answer}); "
                "check --smtp-user and $DYADWATCH_SMTP_PASSWORD"
            ) from None
        except ssl.SSLCertVerificationError as exc:
            trusted = f"the CA file {self.cafile}" if self.cafile else "the system's CAs"
            raise DeliveryError(
                f"SMTP {self.target}: the server's certificate is not trusted by {trusted} ({exc.verify_message})"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {self.target}: {exc}") from None


# -- stdout --------------------------------------------------------------------------------------
@dataclass
class StdoutChannel:
    """Print each alert (a block of text) on stdout, for a cron job's mail or a log."""

    name: str = "stdout"
    target: str = "-"

    def send(self, alert: dict[str, Any]) -> None:
        sys.stdout.write(text_body(alert) + "\n")
        sys.stdout.flush()
