"""Alert rules, alerts, silences and acknowledgements. Reading is open; changes need admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import ConfigDict, Field

from ...alerts import messages
from ...alerts.delivery import Notifier
from ...alerts.models import Acknowledgement, AlertRecord, AlertRule, AlertSeverity, AlertState, Silence
from ...alerts.rules import RULE_ID_PATTERN, RuleInput, RuleInvalid, RulePatch, builtin_rules
from ...fleet import Fleet, UnknownServer
from ...i18n import Lang
from ...models import WireModel
from ...store import AlertRuleExists
from ..auth import Principal, require_admin
from ..deps import FleetDep, LangDep
from ..errors import ApiError


def _with_builtin_rules(request: Request) -> None:
    """The built-in rules are in the store before this API first reads or writes rules."""
    state = request.app.state
    if not getattr(state, "alert_rules_seeded", False):
        fleet: Fleet = state.fleet_provider()
        fleet.store.seed_alert_rules(builtin_rules(), fleet.clock())
        state.alert_rules_seeded = True


router = APIRouter(tags=["alerts"], dependencies=[Depends(_with_builtin_rules)])

Admin = Annotated[Principal, Depends(require_admin)]
RuleId = Annotated[str, Path(pattern=RULE_ID_PATTERN)]
MAX_SILENCE = timedelta(days=30)


class RuleResponse(WireModel):
    rule: AlertRule


class RuleListResponse(WireModel):
    rules: list[AlertRule]


class AlertOut(WireModel):
    """The shape of one alert in GET /api/alerts."""

    id: int
    rule: str
    server: str
    severity: AlertSeverity
    state: AlertState
    value: float | None
    threshold: float | None
    starts_at: str
    ends_at: str | None
    summary: str

    @classmethod
    def of(cls, alert: AlertRecord, lang: Lang) -> AlertOut:
        return cls(id=alert.id, rule=alert.rule_id, server=alert.hostname, severity=alert.severity,
                   state=alert.state, value=alert.value, threshold=alert.threshold,
                   starts_at=alert.starts_at.isoformat(),
                   ends_at=alert.ends_at.isoformat() if alert.ends_at else None,
                   summary=messages.summary(alert, lang))


class AlertListResponse(WireModel):
    alerts: list[AlertOut]


class SilenceInput(WireModel):
    model_config = ConfigDict(extra="forbid")

    server: str | None = Field(None, max_length=200, description="Hostname or server id")
    rule: str | None = Field(None, pattern=RULE_ID_PATTERN)
    duration_seconds: int = Field(ge=60, le=int(MAX_SILENCE.total_seconds()))
    comment: str = Field(min_length=1, max_length=1000)
    created_by: str | None = Field(None, min_length=1, max_length=200,
                                   description="Who silences; default: the credential's key id")


class SilenceResponse(WireModel):
    silence: Silence


class SilenceListResponse(WireModel):
    silences: list[Silence]


class AckInput(WireModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field("", max_length=1000)
    created_by: str | None = Field(None, min_length=1, max_length=200)


class AckResponse(WireModel):
    acknowledgement: Acknowledgement


class DeletedResponse(WireModel):
    success: bool = True
    deleted: int


def _server_id(fleet: Fleet, name: str | None, field: str = "server") -> str | None:
    if name is None:
        return None
    try:
        return fleet.resolve(name).id
    except UnknownServer:
        raise ApiError(422, "unknown_server", f"{field}: no server with id or hostname {name[:200]!r}.",
                       field) from None


def _invalid(exc: RuleInvalid) -> ApiError:
    return ApiError(422, "invalid_rule", f"{exc.field}: {exc}", exc.field)


def _rule(fleet: Fleet, rule_id: str) -> AlertRule:
    rule = fleet.store.alert_rule(rule_id)
    if rule is None:
        raise ApiError(404, "unknown_rule", f"No alert rule with id {rule_id!r}.", "id")
    return rule


# -- rules ------------------------------------------------------------------------------------


@router.get("/alert-rules", response_model=RuleListResponse)
def list_rules(fleet: FleetDep) -> RuleListResponse:
    """Every rule, built-in first."""
    return RuleListResponse(rules=fleet.store.alert_rules())


@router.post("/alert-rules", response_model=RuleResponse, status_code=status.HTTP_201_CREATED)
def create_rule(body: RuleInput, fleet: FleetDep, _admin: Admin) -> RuleResponse:
    try:
        rule = body.rule(_server_id(fleet, body.server))
    except RuleInvalid as exc:
        raise _invalid(exc) from None
    try:
        return RuleResponse(rule=fleet.store.add_alert_rule(rule, fleet.clock()))
    except AlertRuleExists as exc:
        raise ApiError(409, "rule_exists", f"{exc}; PATCH it or pick another id.", "id") from None


class ChannelResult(WireModel):
    channel: str  # the URL with its secrets masked
    delivered: bool
    attempts: int
    error: str | None = None


class TestResponse(WireModel):
    channels: list[ChannelResult]


@router.post("/alert-rules/test", response_model=TestResponse,
             responses={409: {"description": "No notification channel is configured."}})
def send_test(request: Request, fleet: FleetDep, _admin: Admin) -> TestResponse:
    """Send a test notification to every configured channel now, and say how each went."""
    notifier = Notifier(request.app.state.settings, fleet.store, fleet.clock)
    if not notifier.channels:
        raise ApiError(409, "no_channels", "No notification channel is configured: set "
                       "OPENMANAGER_NOTIFY_URLS or OPENMANAGER_ALERTMANAGER_WEBHOOK_URLS.")
    return TestResponse(channels=[ChannelResult(channel=r.channel, delivered=r.delivered, attempts=r.attempts,
                                                error=r.error) for r in notifier.test()])


@router.patch("/alert-rules/{rule_id}", response_model=RuleResponse)
def change_rule(rule_id: RuleId, body: RulePatch, fleet: FleetDep, _admin: Admin) -> RuleResponse:
    current = _rule(fleet, rule_id)
    try:
        changed = body.applied(current, _server_id(fleet, body.server))
    except RuleInvalid as exc:
        raise _invalid(exc) from None
    if not fleet.store.replace_alert_rule(changed, fleet.clock()):
        raise ApiError(404, "unknown_rule", f"No alert rule with id {rule_id!r}.", "id")
    return RuleResponse(rule=_rule(fleet, rule_id))


@router.delete("/alert-rules/{rule_id}", response_model=DeletedResponse)
def delete_rule(rule_id: RuleId, fleet: FleetDep, _admin: Admin) -> DeletedResponse:
    if _rule(fleet, rule_id).builtin:
        raise ApiError(409, "builtin_rule", f"{rule_id!r} is built in: disable it with "
                       "PATCH {\"enabled\": false} instead.", "id")
    if not fleet.store.delete_alert_rule(rule_id):
        raise ApiError(404, "unknown_rule", f"No alert rule with id {rule_id!r}.", "id")
    return DeletedResponse(deleted=1)


# -- alerts -----------------------------------------------------------------------------------


@router.get("/alerts", response_model=AlertListResponse)
def list_alerts(fleet: FleetDep, lang: LangDep,
                state: Literal["firing", "pending", "resolved"] | None = None,
                server: Annotated[str | None, Query(max_length=200)] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> AlertListResponse:
    """Alerts newest first: by default the active ones and the recent resolved."""
    states = (AlertState(state),) if state else ()
    found = fleet.store.alerts(states, _server_id(fleet, server), limit)
    return AlertListResponse(alerts=[AlertOut.of(alert, lang) for alert in found])


@router.post("/alerts/{alert_id}/ack", response_model=AckResponse, status_code=status.HTTP_201_CREATED)
def acknowledge(alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: AckInput, fleet: FleetDep,
                admin: Admin) -> AckResponse:
    ack = fleet.store.acknowledge_alert(alert_id, body.created_by or admin.key_id, body.comment,
                                        fleet.clock())
    if ack is None:
        raise ApiError(404, "unknown_alert", f"No pending or firing alert with id {alert_id}.", "id")
    return AckResponse(acknowledgement=ack)


# -- silences ---------------------------------------------------------------------------------


@router.get("/silences", response_model=SilenceListResponse)
def list_silences(fleet: FleetDep, active: bool = True) -> SilenceListResponse:
    """Silences in effect now (`active=false`: every one kept)."""
    return SilenceListResponse(silences=fleet.store.silences(fleet.clock() if active else None))


@router.post("/silences", response_model=SilenceResponse, status_code=status.HTTP_201_CREATED)
def silence(body: SilenceInput, fleet: FleetDep, admin: Admin) -> SilenceResponse:
    if body.server is None and body.rule is None:
        raise ApiError(422, "invalid_silence", "server: a silence needs a server, a rule or both.", "server")
    server_id = _server_id(fleet, body.server)
    if body.rule is not None and fleet.store.alert_rule(body.rule) is None:
        raise ApiError(422, "unknown_rule", f"rule: no alert rule with id {body.rule!r}.", "rule")
    now = fleet.clock()
    made = fleet.store.add_silence(server_id, body.rule, now, now + timedelta(seconds=body.duration_seconds),
                                   body.comment, body.created_by or admin.key_id)
    return SilenceResponse(silence=made)


@router.delete("/silences/{silence_id}", response_model=DeletedResponse)
def end_silence(silence_id: Annotated[int, Path(ge=1, le=2**31 - 1)], fleet: FleetDep,
                _admin: Admin) -> DeletedResponse:
    if not fleet.store.end_silence(silence_id, fleet.clock()):
        raise ApiError(404, "unknown_silence", f"No silence in effect with id {silence_id}.", "id")
    return DeletedResponse(deleted=1)
