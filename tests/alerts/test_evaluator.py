"""The evaluator over a real store and fleet, stepped by a clock the test moves: the lifecycle as
notifications see it, silences, flap damping, grouping, and delivery failures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from openmanager_core.ai import phrases
from openmanager_core.alerts.models import AlertState
from openmanager_core.models import IncidentType
from tests.alerts.conftest import HOST, START, Rig
from tests.alerts.receivers import HttpReceiver, Received, SmtpReceiver
from tests.services import wait_for

WAIT = 10.0


def _told(rig: Rig, rule: str = "host_down") -> tuple[list[str], list[str]]:
    """(firing, resolved) hostnames of `rule` in the latest evaluation's notification."""
    notification = rig.evaluator.evaluate().notification
    return ([a.hostname for a in notification.firing if a.rule_id == rule],
            [a.hostname for a in notification.resolved if a.rule_id == rule])


def _alertmanager_alerts(receiver: HttpReceiver, status: str, rule: str = "host_down"
                         ) -> list[dict[str, Any]]:
    return [alert for item in receiver.received for alert in item.body["alerts"]
            if alert["status"] == status and alert["labels"]["alertname"] == rule]


def test_host_down_fires_once_after_for_and_resolves_once(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    incident = rig.fleet.inject(IncidentType.HOST_DOWN, HOST)
    assert _told(rig) == ([], [])  # pending: waits `for` (30 s)
    assert [a.state for a in rig.fleet.store.alerts() if a.rule_id == "host_down"] == [AlertState.PENDING]
    rig.clock.advance(29)
    assert _told(rig) == ([], [])
    rig.clock.advance(1)
    assert _told(rig) == ([HOST], [])
    rig.clock.advance(15)
    assert _told(rig) == ([], [])  # still firing: told once

    messages = rig.webhook.recorder.wait_until(lambda got: len(got) >= 1, WAIT, "the firing message")
    text = messages[0].body["message"]
    assert HOST in text and "호스트 다운" in text and "https://om.example.com/?server=web-prod-01" in text
    assert "AI 진단" in text  # tier 1's line about the host
    rig.alertmanager.recorder.wait_until(lambda got: len(got) >= 1, WAIT, "the alertmanager webhook")
    [fired] = _alertmanager_alerts(rig.alertmanager, "firing")
    assert fired["labels"]["instance"] == HOST and fired["endsAt"] == "0001-01-01T00:00:00Z"

    rig.fleet.clear(incident.id)
    assert _told(rig) == ([], [])  # clear, but not for 30 s yet
    rig.clock.advance(29)
    assert _told(rig) == ([], [])
    rig.clock.advance(1)
    assert _told(rig) == ([], [HOST])
    rig.webhook.recorder.wait_until(lambda got: any("해결" in r.body["message"] for r in got), WAIT,
                                    "the resolved message")
    resolved = next(r.body["message"] for r in rig.webhook.received if "해결" in r.body["message"])
    assert HOST in resolved and "45초 동안 지속" in resolved  # down from 05:30:00, up again at 05:30:45
    rig.alertmanager.recorder.wait_until(lambda got: len(got) >= 2, WAIT, "the resolved webhook")
    assert len(_alertmanager_alerts(rig.alertmanager, "resolved")) == 1
    assert len(_alertmanager_alerts(rig.alertmanager, "firing")) == 1
    [alert] = [a for a in rig.fleet.store.alerts() if a.rule_id == "host_down"]
    assert alert.state is AlertState.RESOLVED and alert.ends_at == rig.clock.now - timedelta(seconds=30)


def test_resolve_waits_for_the_condition_to_stay_clear(make_rig: Callable[..., Rig]) -> None:
    """Flap damping: a host that keeps coming back for less than `for` fires once and stays firing."""
    rig = make_rig()
    incident = rig.fleet.inject(IncidentType.HOST_DOWN, HOST)
    rig.evaluator.evaluate()
    rig.clock.advance(30)
    assert _told(rig) == ([HOST], [])
    for _ in range(3):  # up for 20 s, down again: less than `for`, so never resolved
        rig.fleet.clear(incident.id)
        rig.clock.advance(1)
        assert _told(rig) == ([], [])
        rig.clock.advance(19)
        assert _told(rig) == ([], [])
        incident = rig.fleet.inject(IncidentType.HOST_DOWN, HOST)
        rig.clock.advance(1)
        assert _told(rig) == ([], [])
    assert [a.state for a in rig.fleet.store.alerts() if a.rule_id == "host_down"] == [AlertState.FIRING]


def test_a_pending_alert_that_clears_is_forgotten(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    incident = rig.fleet.inject(IncidentType.HOST_DOWN, HOST)
    rig.evaluator.evaluate()
    rig.fleet.clear(incident.id)
    rig.clock.advance(10)
    assert _told(rig) == ([], [])
    assert [a for a in rig.fleet.store.alerts() if a.rule_id == "host_down"] == []


def test_a_silenced_alert_is_not_told_until_its_silence_ends(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    server = rig.fleet.resolve(HOST)
    silence = rig.fleet.store.add_silence(server.id, None, rig.clock(), rig.clock() + timedelta(hours=1),
                                          "maintenance", "kim")
    rig.fleet.inject(IncidentType.HOST_DOWN, HOST)
    rig.evaluator.evaluate()
    rig.clock.advance(30)
    assert _told(rig) == ([], [])
    [alert] = [a for a in rig.fleet.store.alerts() if a.rule_id == "host_down"]
    assert alert.state is AlertState.FIRING and not alert.notified  # it fires; nobody is told
    rig.fleet.store.end_silence(silence.id, rig.clock())
    rig.clock.advance(1)
    assert _told(rig) == ([HOST], [])  # the silence is over and it still fires


def test_a_disabled_rule_resolves_its_alerts(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    rig.fleet.inject(IncidentType.HOST_DOWN, HOST)
    rig.evaluator.evaluate()
    rig.clock.advance(30)
    assert _told(rig) == ([HOST], [])
    rig.rule_off("host_down")
    rig.clock.advance(1)
    assert _told(rig) == ([], [HOST])


def test_one_evaluation_is_one_message_per_channel(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    hosts = [server.hostname for server, _ in rig.fleet.deployed_servers()[:3]]
    for host in hosts:
        rig.fleet.inject(IncidentType.HOST_DOWN, host)
    rig.evaluator.evaluate()
    rig.clock.advance(30)
    firing, _ = _told(rig)
    assert sorted(firing) == sorted(hosts)
    [message] = rig.webhook.recorder.wait_until(lambda got: len(got) >= 1, WAIT, "the grouped message")
    assert all(host in message.body["message"] for host in hosts)
    [payload] = rig.alertmanager.recorder.wait_until(lambda got: len(got) >= 1, WAIT, "the grouped webhook")
    body = payload.body
    assert body["version"] == "4" and body["status"] == "firing" and body["receiver"] == "openmanager"
    assert {"groupKey", "groupLabels", "commonLabels", "commonAnnotations", "externalURL"} <= body.keys()
    assert sorted(a["labels"]["instance"] for a in _alertmanager_alerts(rig.alertmanager, "firing")) == \
        sorted(hosts)
    assert body["commonLabels"] and all(alert["labels"][key] == value for alert in body["alerts"]
                                        for key, value in body["commonLabels"].items())
    for alert in body["alerts"]:
        assert {"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"} <= \
            alert.keys()


def test_a_failing_channel_is_retried_and_never_holds_up_the_others(
        make_rig: Callable[..., Rig], receivers: Callable[..., HttpReceiver], smtp: SmtpReceiver) -> None:
    broken = receivers(500)
    rig = make_rig(extra_urls=(broken.url("json", "/broken"), smtp.url()))
    rig.fleet.inject(IncidentType.HOST_DOWN, HOST)
    rig.evaluator.evaluate()
    rig.clock.advance(30)
    assert _told(rig) == ([HOST], [])
    rig.webhook.recorder.wait_until(lambda got: len(got) == 1, WAIT, "the healthy webhook's message")
    [mail] = smtp.recorder.wait_until(lambda got: len(got) >= 1, WAIT, "the email")
    text = "".join(part.get_payload(decode=True).decode() for part in mail.walk() if not part.is_multipart())
    assert "OpenManager" in str(mail["Subject"]) and HOST in text
    attempts = rig.fleet.settings.alert_delivery_attempts
    tried: list[Received] = broken.recorder.wait_until(lambda got: len(got) >= attempts, WAIT, "the retries")
    assert len(tried) == attempts and all(HOST in r.body["message"] for r in tried)
    wait_for(lambda: bool(rig.fleet.store.delivery_failures()), timeout=WAIT, what="the recorded failure")
    [failure] = rig.fleet.store.delivery_failures()
    assert failure.attempts == attempts and "/broken" not in failure.channel  # the path may be a token


def test_a_rule_that_waits_0_s_fires_and_resolves_at_once(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    rule = rig.fleet.store.alert_rule("host_down")
    assert rule is not None
    rig.fleet.store.replace_alert_rule(rule.model_copy(update={"for_seconds": 0.0}), rig.clock())
    incident = rig.fleet.inject(IncidentType.HOST_DOWN, HOST)
    assert _told(rig) == ([HOST], [])
    rig.fleet.clear(incident.id)
    rig.clock.advance(1)
    assert _told(rig) == ([], [HOST])


def test_a_filling_disk_fires_its_threshold_anomaly_and_forecast_rules(make_rig: Callable[..., Rig]) -> None:
    """Each from the one judgement or tier 1's signal: the threshold table's warning, the departure
    from usual, and the trend's "full within the hour"."""
    rig = make_rig()
    rig.fleet.inject(IncidentType.DISK_FULL, HOST, started_at=rig.clock() - timedelta(minutes=30))
    rig.evaluator.evaluate()
    rig.clock.advance(60)
    fired = {a.rule_id: a for a in rig.evaluator.evaluate().notification.firing if a.hostname == HOST}
    assert {"disk_warning", "anomaly", "disk_full_forecast"} <= fired.keys()
    assert "disk_critical" not in fired  # ~89%: under the critical 90%
    assert fired["disk_warning"].threshold == 80
    forecast = fired["disk_full_forecast"]
    assert forecast.threshold == 100 and 0 < float(forecast.detail or 0) < 3600
    [message] = rig.webhook.recorder.wait_until(lambda got: len(got) >= 1, WAIT, "the grouped message")
    text = message.body["message"]
    assert "디스크 경고 임계값" in text and "≥ 80%" in text
    assert "디스크 이상 징후" not in text and "이상 징후" in text and "평소" in text
    assert "디스크 1시간 안에 가득 참 예측" in text and "후 가득 참" in text
    assert "AI 진단: 디스크 가득 참" in text


def test_since_when_names_the_day_once_it_is_not_today(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()  # 14:30 KST on 30 November
    incident = rig.fleet.inject(IncidentType.HOST_DOWN, HOST)
    rig.evaluator.evaluate()
    rig.clock.advance(30)
    assert _told(rig) == ([HOST], [])
    [fired] = rig.webhook.recorder.wait_until(lambda got: len(got) >= 1, WAIT, "the firing message")
    assert "14:30 KST부터" in fired.body["message"]  # today: the time alone
    assert "11월 30일" not in fired.body["message"]
    rig.clock.now = START.replace(hour=15, minute=10)  # 00:10 KST on 1 December
    rig.evaluator.evaluate()
    rig.fleet.clear(incident.id)
    rig.evaluator.evaluate()
    rig.clock.advance(30)
    assert _told(rig) == ([], [HOST])
    resolved = rig.webhook.recorder.wait_until(
        lambda got: any("[해결] " + HOST in r.body["message"] for r in got), WAIT, "the resolved message")
    text = next(r.body["message"] for r in resolved if "[해결] " + HOST in r.body["message"])
    assert "(11월 30일 14:30 KST ~ 00:10 KST)" in text  # began yesterday; ended today


def test_an_older_start_reads_with_its_date_and_year_in_either_language() -> None:
    now = START.replace(hour=15, minute=10)  # 00:10 KST on 1 December 2026
    last_year = START.replace(year=2025)
    assert phrases.clock_since(START, now, "en") == "2026-11-30 14:30 KST"
    assert phrases.clock_since(last_year, now, "ko") == "2025년 11월 30일 14:30 KST"
    assert phrases.clock_since(last_year, now, "en") == "2025-11-30 14:30 KST"
    assert phrases.clock_since(now, now, "en") == "00:10 KST"
