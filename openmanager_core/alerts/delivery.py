"""Delivery to the team's channels: Apprise URLs (Slack, Teams, Discord, Telegram, email, ntfy,
`json://` webhooks...) and Alertmanager-compatible webhooks.

Each channel has its own worker thread and queue, so a slow or failing channel never holds up
another, nor the evaluator; a failure is retried with backoff, then logged and recorded in the
store for the admin page. Channel URLs carry tokens: only their masked form is ever logged or stored.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import tomllib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import apprise
import httpx

from ..i18n import Lang
from ..security.keys import SECRETS_SECTION
from ..settings import Settings
from ..store import Store
from .messages import Message, Notification, compose, server_link, summary, test_message, title_of
from .models import AlertRecord, AlertRule

TIMEOUT_SECONDS = 10.0  # one attempt on one channel
NEVER = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of an alert still firing
RECEIVER = "openmanager"

log = logging.getLogger("openmanager.alerts")


class ChannelError(RuntimeError):
    """One attempt on one channel failed; the message is safe to log (secrets masked)."""


def _secret_parts(url: str) -> list[str]:
    """Pieces of a channel URL that may be credentials: user, password, path, query values."""
    parts = urlsplit(url)
    found = [parts.username or "", parts.password or ""]
    found += [segment for segment in parts.path.split("/")]
    found += [value for _, value in parse_qsl(parts.query)]
    if "@" in parts.netloc or not parts.hostname:  # tokens in the host part (tgram://bottoken/...)
        found.append(parts.netloc.rsplit("@", 1)[-1])
    return sorted({piece for piece in found if len(piece) >= 4}, key=len, reverse=True)


def redact(text: str, url: str) -> str:
    """`text` with every credential-like part of `url` masked."""
    for piece in _secret_parts(url):
        text = text.replace(piece, "****")
    return text


@dataclass(frozen=True)
class DeliveryResult:
    channel: str
    delivered: bool
    attempts: int
    error: str | None = None


class Channel:
    """Where notifications go; `name` is the URL with its secrets masked."""

    name: str
    kind: Literal["apprise", "alertmanager"]

    def send(self, message: Message, payload: Mapping[str, Any]) -> None:
        raise NotImplementedError


class AppriseChannel(Channel):
    kind = "apprise"

    def __init__(self, url: str) -> None:
        self._url = url
        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            raise ValueError(f"not a notification URL Apprise knows: {redact(url, url)}")
        # Apprise masks the fields it knows are secret; a path or query may hold a token too.
        shown: str = self._apprise[0].url(privacy=True)  # type: ignore[no-untyped-call]  # apprise's url() has no annotations
        self.name = redact(shown.split("?", 1)[0], url)

    def send(self, message: Message, payload: Mapping[str, Any]) -> None:
        result = self._apprise.notify(body=message.body, title=message.title, timeout=TIMEOUT_SECONDS)
        if not result:
            said = "; ".join(entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR"))
            raise ChannelError(redact(said or f"refused ({result.status.name.lower()})", self._url))


class AlertmanagerChannel(Channel):
    """A webhook that receives what Alertmanager would POST (so existing receivers work)."""

    kind = "alertmanager"

    def __init__(self, url: str) -> None:
        self._url = url
        self.name = redact(url.split("?", 1)[0], url)

    def send(self, message: Message, payload: Mapping[str, Any]) -> None:
        try:
            answer = httpx.post(self._url, json=payload, timeout=TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            raise ChannelError(redact(f"{type(exc).__name__}: {exc}", self._url)) from None
        if answer.status_code >= 300:
            raise ChannelError(f"HTTP {answer.status_code}")


def _from_secrets_files(files: Sequence[Path], name: str) -> list[str]:
    """`[openmanager] <name> = [...]` from each secrets file that exists."""
    found: list[str] = []
    for path in files:
        path = path.expanduser()
        if not path.is_file():
            continue
        with path.open("rb") as handle:
            section = tomllib.load(handle).get(SECRETS_SECTION, {})
        value = section.get(name, []) if isinstance(section, dict) else []
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{path}: [{SECRETS_SECTION}] {name} must be a list of URLs")
        found += value
    return found


def channels_from(settings: Settings) -> list[Channel]:
    """The configured channels (environment, then secrets files); a URL that cannot work is
    logged (masked) and left out, so one typo does not silence the others."""
    notify = [u.get_secret_value() for u in settings.notify_urls]
    notify += _from_secrets_files(settings.secrets_files, "notify_urls")
    webhooks = [u.get_secret_value() for u in settings.alertmanager_webhook_urls]
    webhooks += _from_secrets_files(settings.secrets_files, "alertmanager_webhook_urls")
    channels: list[Channel] = []
    for url in notify:
        try:
            channels.append(AppriseChannel(url))
        except ValueError as exc:
            log.error("alert channel left out: %s", exc)
    for url in webhooks:
        if urlsplit(url).scheme in ("http", "https"):
            channels.append(AlertmanagerChannel(url))
        else:
            log.error("alert webhook left out, not an http(s) URL: %s", redact(url, url))
    return channels


def _fingerprint(labels: Mapping[str, str]) -> str:
    text = "\x00".join(f"{key}={labels[key]}" for key in sorted(labels))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def alertmanager_payload(notification: Notification, rules: Mapping[str, AlertRule], lang: Lang,
                         public_url: str) -> dict[str, Any]:
    """Alertmanager's webhook body (version 4) for one evaluation's alerts, grouped as one."""
    items: list[dict[str, Any]] = []
    for alert, status in ([(a, "firing") for a in notification.firing]
                          + [(a, "resolved") for a in notification.resolved]):
        items.append(_alertmanager_alert(alert, status, rules, lang, public_url))
    common_labels = _common([item["labels"] for item in items])
    return {
        "version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0,
        "status": "firing" if notification.firing else "resolved",
        "receiver": RECEIVER, "groupLabels": {}, "commonLabels": common_labels,
        "commonAnnotations": _common([item["annotations"] for item in items]),
        "externalURL": public_url.rstrip("/"), "alerts": items,
    }


def _alertmanager_alert(alert: AlertRecord, status: str, rules: Mapping[str, AlertRule], lang: Lang,
                        public_url: str) -> dict[str, Any]:
    labels = {"alertname": alert.rule_id, "instance": alert.hostname, "server_id": alert.server_id,
              "severity": alert.severity.value, "kind": alert.kind.value}
    if alert.metric:
        labels["metric"] = alert.metric
    annotations = {"summary": summary(alert, lang), "rule": title_of(alert.rule_id, rules, lang)}
    if alert.diagnosis:
        annotations["description"] = alert.diagnosis
    return {"status": status, "labels": labels, "annotations": annotations,
            "startsAt": _iso(alert.starts_at),
            "endsAt": _iso(alert.ends_at) if status == "resolved" and alert.ends_at else NEVER,
            "generatorURL": server_link(public_url, alert.hostname), "fingerprint": _fingerprint(labels)}


def _common(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    return {key: value for key, value in maps[0].items() if all(m.get(key) == value for m in maps[1:])}


Job = tuple[Message, dict[str, Any]]


class Notifier:
    """Sends each evaluation's notification to every channel, each on its own worker."""

    def __init__(self, settings: Settings, store: Store, clock: Callable[[], datetime],
                 channels: Sequence[Channel] | None = None) -> None:
        self.settings, self.store, self.clock = settings, store, clock
        self.channels = list(channels_from(settings) if channels is None else channels)
        self._stopped = threading.Event()
        self._queues: list[queue.Queue[Job | None]] = []
        self._workers: list[threading.Thread] = []

    @property
    def language(self) -> Lang:
        return self.settings.alert_language

    def start(self) -> None:
        for channel in self.channels:
            jobs: queue.Queue[Job | None] = queue.Queue()
            worker = threading.Thread(target=self._work, args=(channel, jobs), daemon=True,
                                      name=f"alert-channel-{len(self._workers)}")
            self._queues.append(jobs)
            self._workers.append(worker)
            worker.start()

    def stop(self) -> None:
        self._stopped.set()
        for jobs in self._queues:
            jobs.put(None)
        for worker in self._workers:
            worker.join(timeout=TIMEOUT_SECONDS)

    def notify(self, notification: Notification, rules: Mapping[str, AlertRule]) -> None:
        """Queue one grouped message per channel; returns at once."""
        if not notification or not self.channels:
            return
        public = self.settings.public_url
        message = compose(notification, rules, self.language, public)
        payload = alertmanager_payload(notification, rules, self.language, public)
        for jobs in self._queues:
            jobs.put((message, payload))

    def test(self) -> list[DeliveryResult]:
        """A test notification to every channel at once, waiting for each (with its retries)."""
        message = test_message(self.language, self.settings.public_url)
        now = self.clock()
        payload = alertmanager_payload(Notification(now, [], []), {}, self.language, self.settings.public_url)
        if not self.channels:
            return []
        with ThreadPoolExecutor(len(self.channels), thread_name_prefix="alert-test") as pool:
            return list(pool.map(lambda channel: self._deliver(channel, message, payload), self.channels))

    def _work(self, channel: Channel, jobs: queue.Queue[Job | None]) -> None:
        while (job := jobs.get()) is not None:
            try:
                self._deliver(channel, *job)
            except Exception:  # the worker must outlive any one message
                log.exception("alert channel %s: delivery failed unexpectedly", channel.name)

    def _deliver(self, channel: Channel, message: Message, payload: dict[str, Any]) -> DeliveryResult:
        attempts = self.settings.alert_delivery_attempts
        error = ""
        for attempt in range(1, attempts + 1):
            try:
                channel.send(message, payload)
                return DeliveryResult(channel.name, True, attempt)
            except ChannelError as exc:
                error = str(exc)
            except Exception as exc:  # its text might hold the URL: only the kind of failure is kept
                error = type(exc).__name__
            log.warning("alert channel %s: attempt %d of %d failed: %s", channel.name, attempt, attempts,
                        error)
            backoff = self.settings.alert_retry_seconds * 2 ** (attempt - 1)
            if attempt < attempts and self._stopped.wait(backoff):
                break
        log.error("alert channel %s: gave up after %d attempts: %s", channel.name, attempts, error)
        try:
            self.store.record_delivery_failure(channel.name, attempts, error, self.clock())
        except Exception as exc:
            log.error("could not record the delivery failure of %s: %s", channel.name, exc)
        return DeliveryResult(channel.name, False, attempts, error)
