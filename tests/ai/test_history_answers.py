"""The AI answers "what happened in the last hour?" from the event timeline, incidents already cleared
included, in the question's language; over a real store with a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from openmanager_core.ai import Agent, phrases
from openmanager_core.ai.scope import asked_span, lookback_minutes, parse
from openmanager_core.alerts.delivery import Notifier
from openmanager_core.alerts.evaluator import AlertEvaluator
from openmanager_core.catalogue import Catalogue
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from tests.ai.conftest import NOW, settings_for


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> None:
        self.now = NOW + timedelta(minutes=minutes)


def test_the_last_hour_names_the_cleared_incident_in_both_languages(tmp_path: Path) -> None:
    clock = Clock()  # NOW is 14:30 KST
    fleet = Fleet(settings_for(tmp_path), clock=clock)
    evaluator = AlertEvaluator(fleet, Notifier(fleet.settings, fleet.store, fleet.clock, channels=[]))
    clock.at(-120)
    early = fleet.inject(IncidentType.CPU_SPIKE, "web-prod-01", Severity.LOW)  # before the hour asked
    clock.at(-100)
    fleet.clear(early.id)
    clock.at(0)
    fleet.deploy_next(fleet.total - 1)
    clock.at(5)
    leak = fleet.inject(IncidentType.MEMORY_LEAK, "db-master-01", Severity.HIGH)
    clock.at(10)
    down = fleet.inject(IncidentType.HOST_DOWN, "cache-redis-01", Severity.HIGH)
    evaluator.evaluate()  # records cache-redis-01 going offline (and the leak warning)
    clock.at(32)
    fleet.clear(leak.id)
    fleet.clear(down.id)
    evaluator.evaluate()  # and coming back
    clock.at(40)
    agent = Agent(fleet, use_cache=False)

    korean = agent.ask("지난 1시간 동안 무슨 일이 있었어?").response
    assert "**지난 1시간 동안 (14:10 KST 이후) 있었던 일 7건**" in korean
    assert "- 14:35-15:02 KST db\\-master\\-01 메모리 누수 (심각도 높음), 해제됨" in korean
    assert "- 14:40-15:02 KST cache\\-redis\\-01 호스트 다운 (심각도 높음), 해제됨" in korean
    assert "- 14:40 KST cache\\-redis\\-01 상태 정상 → 오프라인" in korean
    assert "- 14:40 KST db\\-master\\-01 상태 정상 → 경고" in korean  # the leak at 5 minutes old
    assert "- 15:02 KST cache\\-redis\\-01 상태 오프라인 → 정상" in korean
    assert "- 14:30 KST 서버 20대 배포" in korean
    assert "web\\-prod\\-01 CPU" not in korean  # cleared before the hour began
    # oldest first: the deployment, then the leak, then the host down
    assert korean.index("서버 20대 배포") < korean.index("메모리 누수") < korean.index("호스트 다운")

    english = agent.ask("what happened in the last hour?")
    assert "**What happened in the last 1h (since 14:10 KST): 7 events**" in english.response
    assert "- 14:35-15:02 KST db\\-master\\-01 memory leak (high severity), cleared" in english.response
    assert english.metadata.servers[:2] == ["db-master-01", "cache-redis-01"]

    # One server asked about: its events only; a wider span reaches the early incident.
    named = agent.ask("What happened to web-prod-01 in the last 3 hours?").response
    assert "12:30-12:50 KST web\\-prod\\-01 CPU spike (low severity), cleared" in named
    assert "memory leak" not in named and "cache\\-redis\\-01" not in named
    quiet = agent.ask("what happened in the last 5 minutes?").response
    assert "Nothing happened in the last 5 min (since 15:05 KST)" in quiet


def test_the_span_asked_is_read_from_the_question() -> None:
    assert lookback_minutes("지난 2시간 동안 무슨 일이") == 120
    assert lookback_minutes("what happened in the last 30 minutes") == 30
    assert lookback_minutes("what happened in the last hour") == 60
    assert lookback_minutes("지난 3일") == 3 * 24 * 60
    assert lookback_minutes("the last 90 days") == 7 * 24 * 60  # at most a week
    assert lookback_minutes("what happened in the last day?") == lookback_minutes("하루 동안") == 24 * 60
    assert asked_span("무슨 일 있었어?") is None and lookback_minutes("무슨 일 있었어?") == 60


def test_a_korean_past_form_of_an_event_that_is_over_asks_the_timeline() -> None:
    for question in ("지난 24시간 동안 장애 났던 서버 알려줘", "cache-redis-01 언제부터 언제까지 다운됐었어?",
                     "어제 느렸었던 서버 있어?"):
        assert "history" in parse(question, Catalogue()).intents, question
    assert "history" not in parse("지금 느린 서버 있어?", Catalogue()).intents


def test_a_question_naming_no_span_looks_back_a_day_when_the_hour_was_quiet(tmp_path: Path) -> None:
    clock = Clock()  # NOW is 14:30 KST on 30 November
    fleet = Fleet(settings_for(tmp_path), clock=clock)
    clock.at(-25 * 60)
    fleet.deploy_next(fleet.total - 1)
    clock.at(-20 * 60)
    mail = fleet.inject(IncidentType.HOST_DOWN, "mail-server-01", Severity.HIGH)
    clock.at(-19 * 60)
    fleet.clear(mail.id)
    clock.at(-180)
    redis = fleet.inject(IncidentType.HOST_DOWN, "cache-redis-01", Severity.HIGH)
    clock.at(-160)
    fleet.clear(redis.id)
    clock.at(0)
    agent = Agent(fleet, use_cache=False)

    redis_down = agent.ask("cache-redis-01 언제부터 언제까지 다운됐었어?").response
    assert "**지난 1일 동안 (11월 29일 14:30 KST 이후) 있었던 일 1건**" in redis_down, redis_down
    assert "- 11:30-11:50 KST cache\\-redis\\-01 호스트 다운 (심각도 높음), 해제됨" in redis_down
    assert "mail" not in redis_down
    # The span asked is kept, quiet or not; a day's timeline dates what happened yesterday.
    assert "Nothing happened in the last 1h" in agent.ask("what happened in the last hour?").response
    day = agent.ask("지난 24시간 동안 장애 났던 서버 알려줘").response
    assert "- 11월 29일 18:30-19:30 KST mail\\-server\\-01 호스트 다운 (심각도 높음), 해제됨" in day, day
    assert day.index("mail\\-server\\-01") < day.index("cache\\-redis\\-01")


def test_a_span_within_one_minute_is_one_time() -> None:
    start = datetime(2026, 12, 1, 5, 15, 10, tzinfo=UTC)  # 14:15 KST
    assert phrases.span(start, start + timedelta(seconds=40)) == "14:15 KST"
    assert phrases.span(start, start + timedelta(minutes=17)) == "14:15-14:32 KST"


def test_was_there_an_outage_is_answered_yes_or_no_from_the_span_asked(tmp_path: Path) -> None:
    clock = Clock()  # NOW is 14:30 KST
    fleet = Fleet(settings_for(tmp_path), clock=clock)
    clock.at(-120)
    fleet.deploy_next(fleet.total - 1)
    clock.at(-70)
    gateway = fleet.inject(IncidentType.SERVICE_DOWN, "api-gateway-prod", Severity.HIGH)
    clock.at(-45)
    fleet.clear(gateway.id)
    clock.at(-40)
    fleet.inject(IncidentType.HOST_DOWN, "mail-server-01", Severity.HIGH)  # still down
    clock.at(0)
    agent = Agent(fleet, use_cache=False)

    no = agent.ask("Was there any outage on api-gateway-prod in the last 30 minutes?")
    assert no.response.startswith("**No** — no incident was recorded in the last 30 min (since 14:00 KST)"), \
        no.response
    yes = agent.ask("Was there any outage in the last 30 minutes?")
    assert yes.response.startswith("**Yes** — 1 incident(s) in the last 30 min (since 14:00 KST): "
                                   "mail\\-server\\-01 host down"), yes.response
    # Begun before the span and still going: in effect all through it, so on its timeline too.
    assert "- 13:50 KST mail\\-server\\-01 host down (high severity), ongoing" in yes.response
    assert yes.metadata.servers[0] == "mail-server-01"
    hour = agent.ask("지난 2시간 동안 장애 있었어?").response
    assert hour.startswith("**예** — 지난 2시간 동안 (12:30 KST 이후) 장애 2건: "), hour
    # "무슨 일 있었어?" asks what happened, not whether.
    assert agent.ask("지난 1시간 동안 무슨 일이 있었어?").response.startswith("**지난 1시간 동안")
