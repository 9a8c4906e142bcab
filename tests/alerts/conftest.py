"""A fleet on a real SQLite file with a clock the test moves, real receivers on loopback, and an
evaluator over them (evaluated by hand: the tests step time, not the thread)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from openmanager_core.alerts.delivery import Notifier
from openmanager_core.alerts.evaluator import AlertEvaluator
from openmanager_core.alerts.rules import builtin_rules
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings
from tests.alerts.receivers import HttpReceiver, SmtpReceiver

START = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
DEPLOYED = 4
HOST = "web-prod-01"


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class Rig:
    fleet: Fleet
    clock: Clock
    evaluator: AlertEvaluator
    webhook: HttpReceiver  # Apprise json://
    alertmanager: HttpReceiver

    def rule_off(self, *rule_ids: str) -> None:
        for rule_id in rule_ids:
            rule = self.fleet.store.alert_rule(rule_id)
            assert rule is not None
            self.fleet.store.replace_alert_rule(rule.model_copy(update={"enabled": False}), self.clock())


@pytest.fixture
def receivers() -> Iterator[Callable[..., HttpReceiver]]:
    opened: list[HttpReceiver] = []

    def make(status: int = 200) -> HttpReceiver:
        opened.append(HttpReceiver(status))
        return opened[-1]

    yield make
    for receiver in opened:
        receiver.close()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def make_rig(tmp_path: Path, receivers: Callable[..., HttpReceiver]) -> Iterator[Callable[..., Rig]]:
    started: list[AlertEvaluator] = []

    def make(extra_urls: tuple[str, ...] = (), **settings: Any) -> Rig:
        webhook, alertmanager = receivers(), receivers()
        config = Settings(**{
            "database_url": f"sqlite:///{tmp_path}/alerts.db", "data_dir": tmp_path, "redis_url": None,
            "secrets_files": [tmp_path / "no-secrets.toml"], "alert_retry_seconds": 0.05,
            "notify_urls": ",".join((webhook.url("json"), *extra_urls)),
            "alertmanager_webhook_urls": alertmanager.url(), "public_url": "https://om.example.com",
            **settings})
        clock = Clock(START)
        fleet = Fleet(config, clock=clock)
        fleet.deploy_next(DEPLOYED - 1)
        fleet.store.seed_alert_rules(builtin_rules(), clock())
        notifier = Notifier(config, fleet.store, clock)
        notifier.start()
        evaluator = AlertEvaluator(fleet, notifier)
        started.append(evaluator)
        return Rig(fleet, clock, evaluator, webhook, alertmanager)

    yield make
    for evaluator in started:
        evaluator.notifier.stop()
