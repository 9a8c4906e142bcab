"""Alert rules, alerts, silences and acknowledgements over HTTP, on a real SQLite store."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from openmanager_core import thresholds
from openmanager_core.alerts.models import AlertRecord, AlertSeverity, AlertState, RuleKind
from openmanager_core.fleet import Fleet
from tests.alerts.receivers import HttpReceiver

from .conftest import LOOPBACK, NOW, MakeClient

GOOD_RULE = {"id": "web-cpu", "kind": "metric", "metric": "cpu", "level": "critical", "forSeconds": 0,
             "serverType": "web"}


def _rules(client: TestClient) -> dict[str, dict[str, Any]]:
    answer = client.get("/alert-rules")
    assert answer.status_code == 200
    return {rule["id"]: rule for rule in answer.json()["rules"]}


def test_built_in_rules_follow_the_threshold_table(client: TestClient) -> None:
    rules = _rules(client)
    alarming = [key for key, metric in thresholds.METRICS.items() if metric.critical is not None]
    metric_rules = {rid for rid, rule in rules.items() if rule["kind"] == "metric"}
    assert metric_rules == {f"{key}_{level}" for key in alarming for level in ("warning", "critical")}
    assert "network_in_warning" not in rules  # no threshold, no rule
    for kind in ("host_down", "service_stopped", "anomaly", "forecast"):
        assert any(rule["kind"] == kind and rule["builtin"] for rule in rules.values()), kind
    assert rules["disk_full_forecast"]["horizonSeconds"] == 3600
    assert rules["cpu_warning"]["forSeconds"] == 30


def test_add_change_and_delete_a_rule(client: TestClient) -> None:
    created = client.post("/alert-rules", json={**GOOD_RULE, "server": "web-prod-01"})
    assert created.status_code == 201, created.text
    assert created.json()["rule"]["server"] == "srv_001" and created.json()["rule"]["severity"] == "critical"
    changed = client.patch("/alert-rules/web-cpu", json={"forSeconds": 120, "server": None, "enabled": False})
    assert changed.status_code == 200, changed.text
    rule = _rules(client)["web-cpu"]
    assert (rule["forSeconds"], rule["server"], rule["enabled"]) == (120, None, False)
    assert rule["level"] == "critical"
    assert client.delete("/alert-rules/web-cpu").json() == {"success": True, "deleted": 1}
    assert "web-cpu" not in _rules(client)
    assert client.delete("/alert-rules/web-cpu").status_code == 404


def test_built_in_rules_are_disabled_not_deleted(client: TestClient) -> None:
    refused = client.delete("/alert-rules/host_down")
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "id"
    assert client.patch("/alert-rules/host_down", json={"enabled": False}).status_code == 200
    assert _rules(client)["host_down"]["enabled"] is False


@pytest.mark.parametrize(("body", "status", "field"), [
    ({**GOOD_RULE, "id": "Bad Id"}, 422, "id"),
    ({**GOOD_RULE, "kind": "meteor"}, 422, "kind"),
    ({**GOOD_RULE, "metric": None}, 422, "metric"),
    ({**GOOD_RULE, "metric": "network_in"}, 422, "metric"),
    ({**GOOD_RULE, "level": None}, 422, "level"),
    ({**GOOD_RULE, "level": "extreme"}, 422, "level"),
    ({**GOOD_RULE, "forSeconds": -1}, 422, "forSeconds"),
    ({**GOOD_RULE, "forSeconds": "soon"}, 422, "forSeconds"),
    ({**GOOD_RULE, "server": "nope"}, 422, "server"),
    ({**GOOD_RULE, "serverType": "toaster"}, 422, "serverType"),
    ({**GOOD_RULE, "threshold": 90}, 422, "threshold"),  # numbers live in the threshold table only
    ({"id": "soon-full", "kind": "forecast", "metric": "disk"}, 422, "horizonSeconds"),
    ({"id": "soon-full", "kind": "forecast", "metric": "cpu", "horizonSeconds": 600}, 422, "metric"),
    ({"id": "down", "kind": "host_down", "metric": "cpu"}, 422, "metric"),
    ({"id": "down", "kind": "host_down", "horizonSeconds": 600}, 422, "horizonSeconds"),
    ({**GOOD_RULE, "id": "host_down"}, 409, "id"),
])
def test_bad_rules_are_refused_naming_the_field_and_nothing_is_stored(
        client: TestClient, body: dict[str, Any], status: int, field: str) -> None:
    before = _rules(client)
    answer = client.post("/alert-rules", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["field"] == field
    assert _rules(client) == before


@pytest.mark.parametrize(("change", "field"), [
    ({"level": "extreme"}, "level"),
    ({"kind": "host_down"}, "level"),  # the rule keeps its level, which host_down has no use for
    ({"kind": None}, "kind"),
    ({"forSeconds": 1e9}, "forSeconds"),
    ({"server": "nope"}, "server"),
    ({"id": "renamed"}, "id"),
])
def test_bad_changes_are_refused_and_the_rule_is_untouched(client: TestClient, change: dict[str, Any],
                                                           field: str) -> None:
    before = _rules(client)["cpu_warning"]
    answer = client.patch("/alert-rules/cpu_warning", json={"forSeconds": 5, **change})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    assert _rules(client)["cpu_warning"] == before


def test_rule_writes_need_an_admin_credential(make_client: MakeClient) -> None:
    remote = make_client()
    assert remote.get("/alert-rules").status_code == 200
    assert remote.post("/alert-rules", json=GOOD_RULE).status_code == 401
    assert remote.patch("/alert-rules/cpu_warning", json={"enabled": False}).status_code == 401
    assert remote.delete("/alert-rules/cpu_warning").status_code == 401
    assert remote.post("/silences", json={"server": "web-prod-01", "durationSeconds": 600,
                                          "comment": "x"}).status_code == 401


def _firing(fleet: Fleet) -> AlertRecord:
    stored = fleet.store.open_alert(AlertRecord(
        rule_id="cpu_critical", kind=RuleKind.METRIC, server_id="srv_001", hostname="web-prod-01",
        severity=AlertSeverity.CRITICAL, state=AlertState.FIRING, metric="cpu", value=93.5, threshold=85,
        detail="critical", starts_at=NOW, fired_at=NOW, notified=True))
    assert stored is not None
    return stored


def test_alerts_have_the_issue_shape_and_filter_by_state_and_server(client: TestClient, fleet: Fleet) -> None:
    alert = _firing(fleet)
    body = client.get("/alerts", params={"state": "firing", "server": "web-prod-01"}).json()
    assert body == {"alerts": [{
        "id": alert.id, "rule": "cpu_critical", "server": "web-prod-01", "severity": "critical",
        "state": "firing", "value": 93.5, "threshold": 85.0, "startsAt": NOW.isoformat(), "endsAt": None,
        "summary": "CPU 94% ≥ 85% (위험)"}]}
    english = client.get("/alerts", headers={"Accept-Language": "en"}).json()["alerts"][0]
    assert english["summary"] == "CPU 94% ≥ 85% (critical)"
    assert client.get("/alerts", params={"state": "resolved"}).json() == {"alerts": []}
    assert client.get("/alerts", params={"server": "db-master-01"}).json() == {"alerts": []}
    refused = client.get("/alerts", params={"state": "burning"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "state"
    assert client.get("/alerts", params={"server": "nope"}).json()["error"]["field"] == "server"


def test_one_active_alert_per_rule_and_server(fleet: Fleet) -> None:
    _firing(fleet)
    again = AlertRecord(rule_id="cpu_critical", kind=RuleKind.METRIC, server_id="srv_001",
                        hostname="web-prod-01", severity=AlertSeverity.CRITICAL, state=AlertState.PENDING,
                        starts_at=NOW)
    assert fleet.store.open_alert(again) is None
    assert len(fleet.store.alerts()) == 1


def test_silences_and_acknowledgements_are_stored(client: TestClient, fleet: Fleet) -> None:
    alert = _firing(fleet)
    refused = client.post("/silences", json={"durationSeconds": 600, "comment": "deploying"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "server"
    bad_rule = client.post("/silences", json={"rule": "nope", "durationSeconds": 600, "comment": "x"})
    assert bad_rule.status_code == 422 and bad_rule.json()["error"]["field"] == "rule"
    short = client.post("/silences", json={"server": "web-prod-01", "durationSeconds": 1, "comment": "x"})
    assert short.status_code == 422 and short.json()["error"]["field"] == "durationSeconds"
    made = client.post("/silences", json={"server": "web-prod-01", "rule": "cpu_critical",
                                          "durationSeconds": 3600, "comment": "deploying",
                                          "createdBy": "kim"})
    assert made.status_code == 201, made.text
    silence = made.json()["silence"]
    assert (silence["server"], silence["rule"], silence["createdBy"]) == ("srv_001", "cpu_critical", "kim")
    assert [s["id"] for s in client.get("/silences").json()["silences"]] == [silence["id"]]
    assert client.delete(f"/silences/{silence['id']}").status_code == 200
    assert client.get("/silences").json()["silences"] == []
    assert len(client.get("/silences", params={"active": "false"}).json()["silences"]) == 1

    acked = client.post(f"/alerts/{alert.id}/ack", json={"comment": "on it"})
    assert acked.status_code == 201 and acked.json()["acknowledgement"]["comment"] == "on it"
    assert [a.comment for a in fleet.store.acknowledgements([alert.id])] == ["on it"]
    assert client.post("/alerts/999/ack", json={}).status_code == 404


def test_a_test_notification_reaches_every_channel(make_client: MakeClient) -> None:
    good, broken = HttpReceiver(), HttpReceiver(500)
    try:
        client = make_client(client=LOOPBACK, notify_urls=f"{good.url('json')},{broken.url('json')}",
                             alert_retry_seconds=0.01, alert_delivery_attempts=2, alert_language="en")
        answer = client.post("/alert-rules/test")
        assert answer.status_code == 200, answer.text
        results = answer.json()["channels"]
        assert [(r["delivered"], r["attempts"]) for r in results] == [(True, 1), (False, 2)]
        assert "Internal server error" in results[1]["error"]
        assert [r.body["title"] for r in good.received] == ["[OpenManager alerts] Test notification"]
        assert len(broken.received) == 2
    finally:
        good.close()
        broken.close()
    assert make_client(client=LOOPBACK).post("/alert-rules/test").json()["error"]["code"] == "no_channels"
    assert make_client().post("/alert-rules/test").status_code == 401
