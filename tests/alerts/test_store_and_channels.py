"""The alert store's history retention, and channels from the environment and secrets.toml with
their secrets masked wherever they are shown."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from openmanager_core.alerts.delivery import channels_from, redact
from openmanager_core.alerts.models import AlertRecord, AlertSeverity, AlertState, RuleKind
from openmanager_core.settings import Settings
from openmanager_core.store import Store

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_history_past_retention_is_deleted_and_active_alerts_stay(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/trim.db")

    def episode(server: str, state: AlertState, ends: datetime | None) -> AlertRecord:
        stored = store.open_alert(AlertRecord(
            rule_id="host_down", kind=RuleKind.HOST_DOWN, server_id=server, hostname=server,
            severity=AlertSeverity.CRITICAL, state=AlertState.FIRING, starts_at=T0 - timedelta(days=40)))
        assert stored is not None
        if state is AlertState.RESOLVED:
            assert store.update_alert(stored.id, AlertState.FIRING, state=AlertState.RESOLVED, ends_at=ends)
        return stored

    old = episode("a", AlertState.RESOLVED, T0 - timedelta(days=31))
    recent = episode("b", AlertState.RESOLVED, T0 - timedelta(days=1))
    active = episode("c", AlertState.FIRING, None)
    store.acknowledge_alert(active.id, "kim", "", T0)
    store.add_silence("a", None, T0 - timedelta(days=40), T0 - timedelta(days=35), "old", "kim")
    store.record_delivery_failure("json://x", 3, "HTTP 500", T0 - timedelta(days=31))
    assert store.trim_alerts(T0 - timedelta(days=30)) == 3  # the old episode, silence and failure
    assert {a.id for a in store.alerts()} == {recent.id, active.id}
    assert old.id not in {a.id for a in store.alerts()}
    assert store.silences() == [] and store.delivery_failures() == []
    assert len(store.acknowledgements([active.id])) == 1


def test_channels_come_from_the_environment_and_secrets_toml(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[openmanager]\nnotify_urls = ["json://127.0.0.1:9/hooks/s3cr3t-token"]\n'
                       'alertmanager_webhook_urls = ["http://user:pa55word@127.0.0.1:9/am"]\n')
    settings = Settings(notify_urls="ntfy://ntfy.example.com/opsTopicSecret", secrets_files=[secrets],
                        alertmanager_webhook_urls="")
    channels = channels_from(settings)
    assert [c.kind for c in channels] == ["apprise", "apprise", "alertmanager"]
    shown = " ".join(c.name for c in channels)
    for secret in ("s3cr3t-token", "pa55word", "opsTopicSecret"):
        assert secret not in shown
    assert "127.0.0.1" in shown  # where it goes stays readable
    assert "s3cr3t-token" not in repr(settings) and "opsTopicSecret" not in repr(settings)


def test_a_url_apprise_does_not_know_is_left_out_and_logged_masked(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(notify_urls="nosuchscheme://hooks/s3cr3t-token,json://127.0.0.1:9/ok",
                        secrets_files=[tmp_path / "none.toml"], alertmanager_webhook_urls="")
    logger = logging.getLogger("openmanager.alerts")  # openmanager.* may not propagate to the root
    logger.addHandler(caplog.handler)
    try:
        channels = channels_from(settings)
    finally:
        logger.removeHandler(caplog.handler)
    assert len(channels) == 1
    assert "left out" in caplog.text and "s3cr3t-token" not in caplog.text


def test_redact_masks_every_credential_like_part() -> None:
    url = "tgram://123456:ABCdefTOKEN@telegram/-100200300?chat=987654"
    text = f"failed to reach {url}"
    masked = redact(text, url)
    for secret in ("ABCdefTOKEN", "987654", "-100200300"):
        assert secret not in masked
