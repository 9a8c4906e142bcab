"""Alerts page: what fires and waits now and since when, what resolved, silences and rules.
An admin silences or acknowledges an alert from here."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from openmanager_core.alerts import messages
from openmanager_core.alerts.delivery import channels_from
from openmanager_core.alerts.models import (
    AlertRecord,
    AlertRule,
    AlertSeverity,
    AlertState,
    RuleKind,
    silenced,
)
from openmanager_core.alerts.rules import MAX_FOR_SECONDS, RuleInput, RuleInvalid, check
from openmanager_core.i18n import t
from openmanager_core.markdown import escape_markdown as plain
from openmanager_core.metrics import METRICS
from openmanager_core.models import ServerType
from openmanager_core.store import AlertRuleExists, StoreUnavailable
from ui.access import SESSION_KEY, is_admin
from ui.components import local_time
from ui.state import fleet_or_stop, lang, live_fragment, tr, translated

SEVERITY_COLOUR = {AlertSeverity.CRITICAL: "red", AlertSeverity.WARNING: "orange", AlertSeverity.INFO: "blue"}
SEVERITY_ICON = {AlertSeverity.CRITICAL: "🔴", AlertSeverity.WARNING: "🟠", AlertSeverity.INFO: "🔵"}
SILENCE_FOR = timedelta(hours=1)
SILENCE_CHOICES = (30, 60, 240, 1440)  # minutes
RESOLVED_SHOWN = 20

fleet = fleet_or_stop()
language = lang()


def who() -> str:
    """Who silences or acknowledges from this session, as stored."""
    return str(st.session_state.get(SESSION_KEY) or "dashboard")


def silence(alert: AlertRecord, title: str) -> None:
    """Silence the alert for an hour, once: a second click, or a click Streamlit delivers twice while
    the live region reruns, finds it silenced and adds nothing."""
    now = fleet.clock()
    try:
        if not silenced(fleet.store.silences(active_at=now), alert, now):
            fleet.store.add_silence(alert.server_id, alert.rule_id, now, now + SILENCE_FOR,
                                    tr("alerts.page.from_page"), who())
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    st.toast(tr("alerts.page.silenced_toast", host=alert.hostname, rule=title),
             icon=":material/notifications_off:")


def acknowledge(alert: AlertRecord) -> None:
    """Acknowledge the alert once for this operator, however often the click arrives."""
    try:
        if not any(ack.created_by == who() for ack in fleet.store.acknowledgements([alert.id])):
            fleet.store.acknowledge_alert(alert.id, who(), "", fleet.clock())
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    st.toast(tr("alerts.page.acked_toast"), icon=":material/back_hand:")


def end_silence(silence_id: int) -> None:
    try:
        fleet.store.end_silence(silence_id, fleet.clock())
    except StoreUnavailable:
        st.error(tr("error.store"))


def alert_card(alert: AlertRecord, rules: dict[str, AlertRule], muted: bool, acked_by: str | None,
               allowed: bool) -> None:
    title = messages.title_of(alert.rule_id, rules, language)
    age = messages.short_duration((fleet.clock() - alert.starts_at).total_seconds(), language)
    state = f":{SEVERITY_COLOUR[alert.severity]}-badge[{tr(f'alerts.state.{alert.state.value}')}]"
    marks = [tr("alerts.page.silenced")] if muted else []
    if acked_by:
        marks.append(tr("alerts.page.acked", who=plain(acked_by)))
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        headline = f"{SEVERITY_ICON[alert.severity]} **{plain(alert.hostname)}** · {plain(title)} {state}"
        st.markdown(f"{headline}  \n"
                    f"{plain(messages.summary(alert, language))}  \n"
                    f":gray[{tr('alerts.page.since', since=local_time(alert.starts_at), age=age)}]"
                    + (f" · {' · '.join(marks)}" if marks else ""), width="stretch")
        st.page_link("views/fleet.py", label=tr("alerts.page.open_server"), icon=":material/dns:",
                     query_params={"server": alert.hostname})
        if allowed and not muted:
            st.button(tr("alerts.page.silence"), icon=":material/notifications_off:",
                      key=f"silence-{alert.id}", on_click=silence, args=(alert, title))
        if allowed and not acked_by:
            st.button(tr("alerts.page.ack"), icon=":material/back_hand:", key=f"ack-{alert.id}",
                      on_click=acknowledge, args=(alert,))


def current(server: str | None, severities: tuple[AlertSeverity, ...]) -> None:
    """Firing, then pending, worst first, with their age; refreshed on their own."""
    store = fleet.store
    server_id = fleet.resolve(server).id if server else None
    now = fleet.clock()
    rules = {rule.id: rule for rule in store.alert_rules()}
    found = [a for a in store.alerts((AlertState.FIRING, AlertState.PENDING), server_id)
             if a.severity in severities]
    found.sort(key=lambda a: (a.state is not AlertState.FIRING, a.severity.rank, a.starts_at))
    silences = store.silences(active_at=now)
    acks = {ack.alert_id: ack.created_by for ack in store.acknowledgements([a.id for a in found])}
    firing = sum(a.state is AlertState.FIRING for a in found)
    st.subheader(tr("alerts.page.active", firing=firing, pending=len(found) - firing), anchor=False)
    if not found:
        st.caption(tr("alerts.page.none_active"))
    allowed = is_admin()
    for alert in found:
        alert_card(alert, rules, silenced(silences, alert, now), acks.get(alert.id), allowed)
    recent(server_id, severities, rules)
    silence_list(allowed)


def recent(server_id: str | None, severities: tuple[AlertSeverity, ...], rules: dict[str, AlertRule]) -> None:
    st.subheader(tr("alerts.page.resolved"), anchor=False)
    done = [a for a in fleet.store.alerts((AlertState.RESOLVED,), server_id, RESOLVED_SHOWN * 5)
            if a.severity in severities][:RESOLVED_SHOWN]
    if not done:
        st.caption(tr("alerts.page.none_resolved"))
        return
    st.dataframe(pd.DataFrame([{
        tr("alerts.col.started"): local_time(a.starts_at),
        tr("alerts.col.server"): a.hostname,
        tr("alerts.col.rule"): messages.title_of(a.rule_id, rules, language),
        tr("alerts.col.severity"): t(f"alerts.severity.{a.severity.value}", language),
        tr("alerts.col.lasted"): messages.short_duration(((a.ends_at or a.starts_at) - a.starts_at)
                                                         .total_seconds(), language),
        tr("alerts.col.summary"): messages.summary(a, language),
    } for a in done]), hide_index=True, width="stretch")


def silence_list(allowed: bool) -> None:
    st.subheader(tr("alerts.page.silences"), anchor=False)
    silences = fleet.store.silences(active_at=fleet.clock())
    if not silences:
        st.caption(tr("alerts.page.none_silences"))
    names = {server.id: server.hostname for server in fleet.catalogue.servers}
    for item in silences:
        target = " · ".join(part for part in (names.get(item.server or ""), item.rule) if part)
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(tr("alerts.page.silence_row", target=plain(target), until=local_time(item.ends_at),
                           who=plain(item.created_by), comment=plain(item.comment)), width="stretch")
            if allowed:
                st.button(tr("alerts.page.end_silence"), key=f"end-silence-{item.id}", on_click=end_silence,
                          args=(item.id,))


def new_silence(hostnames: list[str], rules: list[AlertRule]) -> None:
    with st.expander(tr("alerts.page.new_silence"), icon=":material/notifications_off:"), \
            st.form("new_silence", border=False):
        left, right = st.columns(2)
        host = left.selectbox(tr("alerts.page.server"), hostnames, index=None,
                              placeholder=tr("alerts.page.any"))
        rule_id = right.selectbox(tr("alerts.page.rules"), [r.id for r in rules], index=None,
                                  placeholder=tr("alerts.page.any"))
        minutes = left.selectbox(tr("alerts.page.duration"), SILENCE_CHOICES, index=1,
                                 format_func=lambda m: messages.short_duration(m * 60, language))
        comment = right.text_input(tr("alerts.page.comment"), max_chars=1000)
        if not st.form_submit_button(tr("alerts.page.add"), icon=":material/notifications_off:"):
            return
    if host is None and rule_id is None:
        st.warning(tr("alerts.page.need_target"))
        return
    if not comment.strip():
        st.warning(tr("alerts.page.need_comment"))
        return
    now = fleet.clock()
    server_id = fleet.resolve(host).id if host else None
    fleet.store.add_silence(server_id, rule_id, now, now + timedelta(minutes=minutes), comment.strip(), who())


def scope(rule: AlertRule, names: dict[str, str]) -> str:
    """Which servers a rule watches: one, a type, or all."""
    parts = [names.get(rule.server or "", ""),
             t(f"type.{rule.server_type.value}", language) if rule.server_type else ""]
    return " · ".join(part for part in parts if part) or tr("alerts.page.all_servers")


def rule_table(rules: list[AlertRule], editable: bool) -> None:
    """Every rule; an admin switches one on or off, or changes its `for` and severity, in place."""
    st.subheader(tr("alerts.page.rules"), anchor=False)
    names = {server.id: server.hostname for server in fleet.catalogue.servers}
    frame = pd.DataFrame({
        "id": [rule.id for rule in rules],
        "rule": [messages.rule_title(rule, language) for rule in rules],
        "severity": [rule.severity.value for rule in rules],
        "for": [rule.for_seconds for rule in rules],
        "scope": [scope(rule, names) for rule in rules],
        "enabled": [rule.enabled for rule in rules],
    })
    columns = {
        "id": st.column_config.TextColumn(tr("alerts.col.id")),
        "rule": st.column_config.TextColumn(tr("alerts.col.rule")),
        "severity": st.column_config.SelectboxColumn(
            tr("alerts.col.severity"), options=[s.value for s in AlertSeverity], required=True),
        "for": st.column_config.NumberColumn(tr("alerts.col.for"), min_value=0, max_value=MAX_FOR_SECONDS,
                                             step=1, required=True),
        "scope": st.column_config.TextColumn(tr("alerts.col.scope")),
        "enabled": st.column_config.CheckboxColumn(tr("alerts.col.enabled")),
    }
    if not editable:
        st.dataframe(frame, hide_index=True, width="stretch", column_config=columns)
        return
    edited = st.data_editor(frame, hide_index=True, width="stretch", column_config=columns, key="rule_editor",
                            disabled=["id", "rule", "scope"])
    for rule, row in zip(rules, edited.to_dict("records"), strict=True):
        if pd.isna(row["for"]):
            continue
        changed = rule.model_copy(update={"enabled": bool(row["enabled"]), "for_seconds": float(row["for"]),
                                          "severity": AlertSeverity(row["severity"])})
        if changed != rule:
            fleet.store.replace_alert_rule(check(changed), fleet.clock())
            st.toast(tr("alerts.page.rule_saved", rule=rule.id), icon=":material/save:")


def new_rule(hostnames: list[str]) -> None:
    """An admin adds a rule: validated as the API validates one, the field at fault named."""
    with st.expander(tr("alerts.page.new_rule"), icon=":material/add_alert:"), \
            st.form("new_rule", border=False):
        left, right = st.columns(2)
        rule_id = left.text_input(tr("alerts.col.id"), max_chars=64, placeholder="db_memory_critical",
                                  key="new_rule_id")
        kind = right.selectbox(tr("alerts.page.kind"), list(RuleKind), key=translated("new_rule_kind"),
                               format_func=lambda k: t(f"alerts.kind.{k.value}", language))
        metric = left.selectbox(tr("alerts.page.metric"), list(METRICS), index=None,
                                key=translated("new_rule_metric"), placeholder=tr("alerts.page.any"),
                                format_func=lambda m: METRICS[m].label(language))
        level = right.selectbox(tr("alerts.page.level"), ["warning", "critical"], index=None,
                                key=translated("new_rule_level"), placeholder=tr("alerts.page.any"),
                                format_func=lambda v: t(f"alerts.severity.{v}", language))
        host = left.selectbox(tr("alerts.page.server"), hostnames, index=None, key="new_rule_server",
                              placeholder=tr("alerts.page.all_servers"))
        server_type = right.selectbox(tr("alerts.page.server_type"), list(ServerType), index=None,
                                      key=translated("new_rule_type"), placeholder=tr("alerts.page.any"),
                                      format_func=lambda k: t(f"type.{k.value}", language))
        for_seconds = left.number_input(tr("alerts.col.for"), min_value=0.0, max_value=MAX_FOR_SECONDS,
                                        value=30.0, step=5.0)
        severity = right.selectbox(tr("alerts.col.severity"), list(AlertSeverity), index=None,
                                   placeholder=tr("alerts.page.default_severity"),
                                   format_func=lambda v: t(f"alerts.severity.{v.value}", language))
        if not st.form_submit_button(tr("alerts.page.add_rule"), icon=":material/add_alert:"):
            return
    try:
        body = RuleInput(id=rule_id.strip(), kind=kind, metric=metric, level=level, for_seconds=for_seconds,
                         severity=severity, server_type=server_type,
                         horizon_seconds=3600 if kind is RuleKind.FORECAST else None)
        rule = body.rule(fleet.resolve(host).id if host else None)
        fleet.store.add_alert_rule(rule, fleet.clock())
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        st.warning(tr("alerts.page.rule_invalid", field=field, reason=plain(error["msg"])))
    except RuleInvalid as exc:
        st.warning(tr("alerts.page.rule_invalid", field=exc.field, reason=plain(str(exc))))
    except AlertRuleExists:
        st.warning(tr("alerts.page.rule_exists", rule=plain(rule_id.strip())))
    else:
        st.toast(tr("alerts.page.rule_saved", rule=rule.id), icon=":material/save:")
        st.rerun()


st.title(tr("nav.alerts"))
try:
    stored_rules = fleet.store.alert_rules()
except StoreUnavailable:
    st.error(tr("error.store"))
    st.stop()
st.caption(tr("alerts.page.caption", channels=len(channels_from(fleet.settings))))
hostnames = [s.hostname for s in fleet.catalogue.servers]
with st.container(horizontal=True, vertical_alignment="bottom"):
    chosen_server = st.selectbox(tr("alerts.page.server"), hostnames, index=None, key="alert_server",
                                 bind="query-params", placeholder=tr("alerts.page.all_servers"))
    chosen = st.pills(tr("alerts.page.severity"), list(AlertSeverity), selection_mode="multi",
                      default=list(AlertSeverity), key="alert_severity",
                      format_func=lambda s: t(f"alerts.severity.{s.value}", language))
if not is_admin():
    st.caption(tr("alerts.page.read_only"))
live_fragment(current, run_every=fleet.settings.refresh_seconds)(chosen_server, tuple(chosen or ()))
if is_admin():
    new_silence(hostnames, stored_rules)
rule_table(stored_rules, editable=is_admin())
if is_admin():
    new_rule(hostnames)
