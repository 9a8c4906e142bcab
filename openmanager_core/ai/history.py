"""What happened, from the event timeline: the answer to "지난 1시간 동안 무슨 일이 있었어?", with the
incidents already cleared ("14:05-14:32 KST db-master-01 memory leak, cleared"), status changes,
deployments and resets, oldest first."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from ..events import Event, EventKind, incident_label, summary
from ..fleet import Fleet
from ..i18n import Lang, t
from ..markdown import escape_markdown
from ..models import Incident, Server
from ..simulator import KST
from . import phrases
from .scope import Scope, is_yes_no

MAX_EVENTS_READ = 2000  # the latest events a history answer reads from its span
MAX_ITEMS = 12  # lines it lists; the rest are counted
MAX_HOSTS_PER_DEPLOY = 5  # hostnames a grouped deployment line names
WIDER_MINUTES = 24 * 60  # how far back a question that names no span looks when its hour was quiet


def _when(start: datetime, end: datetime | None, now: datetime, lang: Lang) -> str:
    """`14:05 KST`, `14:05-14:32 KST`; with its date when not today (`11월 29일 18:30-19:30 KST`), so a
    day's timeline does not read yesterday evening as today's."""
    if end is None or phrases.clock(start) == phrases.clock(end):
        return phrases.clock_since(end or start, now, lang)
    same_day = (start + KST).date() == (end + KST).date()
    last = phrases.clock(end) if same_day else phrases.clock_since(end, now, lang)
    return phrases.clock_since(start, now, lang).removesuffix(" KST") + "-" + last


def _incident_line(started: Event | None, cleared: Event | None, now: datetime,
                   lang: Lang) -> tuple[datetime, str]:
    event = cleared or started
    assert event is not None
    begun = datetime.fromisoformat(event.detail["started_at"])
    when = _when(begun, cleared.at if cleared is not None else None, now, lang)
    return begun, _incident_text(when, event.hostname or "", event.detail["type"], event.detail["severity"],
                                 cleared is not None, lang)


def _incident_text(when: str, host: str, kind: str, severity: str, cleared: bool, lang: Lang) -> str:
    """`14:05-14:32 KST db-master-01 memory leak (high), cleared`: one incident of the timeline."""
    state = "agent.answer.history_cleared" if cleared else "agent.answer.history_ongoing"
    return t("agent.answer.history_incident", lang, when=when, host=escape_markdown(host),
             type=incident_label(kind, lang), severity=t(f"severity.{severity}", lang).lower(),
             state=t(state, lang))


def _lines(found: list[Event], now: datetime, lang: Lang) -> list[tuple[datetime, str]]:
    """(when it began, the line) per incident, status change, run of deployments and reset."""
    lines: list[tuple[datetime, str]] = []
    incidents: dict[int, dict[EventKind, Event]] = {}
    deployed: list[Event] = []

    def flush_deployed() -> None:
        if deployed:
            hosts = [e.hostname or "?" for e in deployed]
            shown = ", ".join(hosts[:MAX_HOSTS_PER_DEPLOY])
            if len(hosts) > MAX_HOSTS_PER_DEPLOY:
                shown += ", …"
            first, last = deployed[0].at, deployed[-1].at
            when = _when(first, None if first == last else last, now, lang)
            lines.append((deployed[0].at, t("agent.answer.history_deployed", lang, when=when, n=len(deployed),
                                            hosts=escape_markdown(shown))))
            deployed.clear()

    for event in found:
        if event.kind is not EventKind.DEPLOYED:
            flush_deployed()
        if event.kind in (EventKind.INCIDENT_STARTED, EventKind.INCIDENT_CLEARED):
            incidents.setdefault(int(event.detail["incident"]), {})[event.kind] = event
        elif event.kind is EventKind.DEPLOYED:
            deployed.append(event)
        elif event.kind is EventKind.STATUS_CHANGED:
            when = _when(event.at, None, now, lang)
            lines.append((event.at, t("agent.answer.history_status", lang, when=when,
                                      host=escape_markdown(event.hostname or ""),
                                      before=t(f"status.{event.detail['before']}", lang),
                                      after=t(f"status.{event.detail['after']}", lang))))
        else:
            lines.append((event.at, _when(event.at, None, now, lang) + " " + summary(event, lang)))
    flush_deployed()
    for pair in incidents.values():
        started, cleared = pair.get(EventKind.INCIDENT_STARTED), pair.get(EventKind.INCIDENT_CLEARED)
        lines.append(_incident_line(started, cleared, now, lang))
    return sorted(lines, key=lambda line: line[0])


def _events(fleet: Fleet, server_ids: Collection[str], since: datetime) -> list[Event]:
    return [e for e in fleet.store.events(since=since, limit=MAX_EVENTS_READ)
            if not server_ids or e.server_id is None or e.server_id in server_ids]


def _has_incident(found: list[Event]) -> bool:
    return any(e.kind in (EventKind.INCIDENT_STARTED, EventKind.INCIDENT_CLEARED) for e in found)


def _span(fleet: Fleet, server_ids: Collection[str], scope: Scope) -> tuple[int, list[Event]]:
    """The minutes the answer looks back over and the events of that span. A question that names no
    span ("cache-redis-01 언제부터 언제까지 다운됐었어?") gets the last hour, or the last day when the
    hour holds no incident and the day does."""
    minutes = scope.lookback_minutes
    found = _events(fleet, server_ids, fleet.clock() - timedelta(minutes=minutes))
    if not scope.span_named and not _has_incident(found):
        wider = _events(fleet, server_ids, fleet.clock() - timedelta(minutes=WIDER_MINUTES))
        if _has_incident(wider):
            return WIDER_MINUTES, wider
    return minutes, found


def _span_text(minutes: int, lang: Lang) -> str:
    return phrases.duration(minutes * 60, lang).removeprefix("약 ").removeprefix("~")


def asks_whether(scope: Scope) -> bool:
    """"Was there any outage in the last 30 minutes?": answered yes or no (not "무슨 일 있었어?",
    which asks what)."""
    return is_yes_no(scope.normalised) and "무슨" not in scope.normalised


def history_verdict(fleet: Fleet, server_ids: Collection[str], scope: Scope,
                    lang: Lang) -> tuple[str, list[str]]:
    """Yes or no to whether an incident (of `server_ids`, or any) was in effect in the span asked:
    begun, cleared or still going in it; and the hostnames of those that were."""
    now = fleet.clock()
    minutes, _ = _span(fleet, server_ids, scope)
    since = now - timedelta(minutes=minutes)
    hit = [i for i in fleet.store.incidents([(since, now)]) if not server_ids or i.server_id in server_ids]
    span, begun = _span_text(minutes, lang), phrases.clock_since(since, now, lang)
    if not hit:
        return t("agent.claim.no", lang, reason=t("agent.answer.history_no_incident", lang, span=span,
                                                  since=begun)), []
    items = [f"{escape_markdown(i.hostname)} {incident_label(i.type.value, lang)}" for i in hit]
    reason = t("agent.answer.history_incidents", lang, n=len(hit), span=span, since=begun,
               items=", ".join(items))
    return t("agent.claim.yes", lang, reason=reason), [i.hostname for i in hit]


def history_block(fleet: Fleet, server_ids: Collection[str], scope: Scope,
                  lang: Lang) -> tuple[str, list[str]]:
    """The timeline of the span the question asks about (`_span`; of `server_ids`, or the whole fleet
    for none), and the hostnames of its incidents in the order they were recorded."""
    now = fleet.clock()
    minutes, found = _span(fleet, server_ids, scope)
    since = now - timedelta(minutes=minutes)
    span = _span_text(minutes, lang)
    begun = phrases.clock_since(since, now, lang)
    # An incident begun before the span and still going was in effect all through it.
    listed = {int(e.detail["incident"]) for e in found if "incident" in e.detail}
    going = [i for i in fleet.store.incidents() if i.id not in listed and i.started_at < since
             and (not server_ids or i.server_id in server_ids)]
    if not found and not going:
        return t("agent.answer.history_none", lang, span=span, since=begun), []
    lines = sorted(_lines(found, now, lang) + [(i.started_at, _going_line(i, now, lang)) for i in going],
                   key=lambda line: line[0])
    head = t("agent.answer.history", lang, span=span, since=begun, n=len(lines))
    items = [f"- {line}" for _, line in lines[:MAX_ITEMS]]
    if len(lines) > MAX_ITEMS:
        items.append(t("agent.answer.history_more", lang, n=len(lines) - MAX_ITEMS))
    incident_kinds = (EventKind.INCIDENT_STARTED, EventKind.INCIDENT_CLEARED)
    hosts = [i.hostname for i in going]
    hosts += [e.hostname for e in found if e.kind in incident_kinds and e.hostname]
    return head + "\n" + "\n".join(items), list(dict.fromkeys(hosts))


def _going_line(incident: Incident, now: datetime, lang: Lang) -> str:
    return _incident_text(phrases.clock_since(incident.started_at, now, lang), incident.hostname,
                          incident.type.value, incident.severity.value, False, lang)


TIMELINE_EVIDENCE = 20  # the latest events an LLM is handed as evidence
EVIDENCE_READ = 500  # the latest events of the span read to find them among the servers in scope
EVIDENCE_MINUTES = 60  # the span, unless the question asks about a longer or shorter past


def timeline_evidence(fleet: Fleet, servers: Collection[Server] | None, scope: Scope,
                      lang: Lang) -> list[dict[str, str]]:
    """The recorded events of the span a history question asks about (else the last hour) of `servers`
    (None: the whole fleet), the latest TIMELINE_EVIDENCE oldest first, each quoted as the timeline
    words it: what an LLM may say happened, and nothing more."""
    ids = {server.id for server in servers} if servers is not None else None
    # A history question's span is the one its answer lists (widened to the day when need be).
    minutes = _span(fleet, ids or (), scope)[0] if "history" in scope.intents else EVIDENCE_MINUTES
    since = fleet.clock() - timedelta(minutes=minutes)
    if ids is not None and len(ids) == 1:
        found = fleet.store.events(since=since, server_id=next(iter(ids)), limit=TIMELINE_EVIDENCE)
    else:
        found = [e for e in fleet.store.events(since=since, limit=EVIDENCE_READ)
                 if ids is None or e.server_id is None or e.server_id in ids]
    return [{"time": phrases.clock(e.at), "event": summary(e, lang)} for e in found[-TIMELINE_EVIDENCE:]]
