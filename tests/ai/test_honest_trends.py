"""Honest trends and dates: a metric pinned at its ceiling is saturated since a time, not still climbing;
"since when is the disk full?" gives when it got full and, apart, when it started filling."""

from __future__ import annotations

import re
from datetime import timedelta

import numpy as np
import pytest

from openmanager_core.ai import Agent
from openmanager_core.ai.findings import ceiling_level, diagnose
from openmanager_core.ai.phrases import clock
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from tests.ai.conftest import NOW, inject

MINUTES = 360


def _series(fleet: Fleet, host: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """The last MINUTES of a metric, a point a minute: read from the fleet's own data, apart from the
    engine."""
    t = NOW.timestamp() - np.arange(MINUTES, -1, -1, dtype=np.float64) * 60.0
    return t, fleet.frame([fleet.resolve(host)], t).values[metric][0]


def _first_of_last_run(fleet: Fleet, host: str, metric: str, level: float) -> float:
    """The first minute of the run, up to now, where the metric is at `level` or above."""
    t, series = _series(fleet, host, metric)
    assert series[-1] >= level
    below = np.flatnonzero(series < level)
    return float(t[below[-1] + 1])


def _levelled_off(fleet: Fleet, host: str, metric: str) -> float:
    """The first minute of the run, up to now, at the level the metric holds now (within 0.1 point)."""
    return _first_of_last_run(fleet, host, metric, _series(fleet, host, metric)[1][-1] - 0.1)


@pytest.mark.parametrize("question, lang", [("What's wrong with web-prod-01?", "en"),
                                            ("web-prod-01 무슨 문제야?", "ko")])
def test_a_full_disk_is_saturated_since_it_got_there_not_still_climbing(fleet: Fleet, question: str,
                                                                       lang: str) -> None:
    inject(fleet, IncidentType.DISK_FULL, "web-prod-01", severity=Severity.HIGH, minutes_ago=150)
    full = clock(_levelled_off(fleet, "web-prod-01", "disk"))
    assert _series(fleet, "web-prod-01", "disk")[1][-1] == 100.0
    started = clock(NOW - timedelta(minutes=150) + timedelta(minutes=1))
    response = Agent(fleet, use_cache=False).ask(question).response
    saturated = {"en": f"saturated at 100% since {full}", "ko": f"{full}부터 100%에서 포화"}[lang]
    climbed = {"en": f"before that it climbed by +0.3%p a minute from {started}",
               "ko": f"그 전에는 {started}부터 분당 +0.3%p씩 꾸준히 증가했음"}[lang]
    assert saturated in response and climbed in response, response
    assert "climbing steadily" not in response and "꾸준히 증가 (r²" not in response, response
    assert "at this rate" not in response and "이 추세면" not in response  # a full disk gets no fuller


def test_memory_pinned_for_hours_is_saturated_since_it_got_there_and_dated_from_further_back(
        fleet: Fleet) -> None:
    """Pinned for over three hours (the deep window): the leak is still dated, and named a leak, from
    the climb before it levelled off."""
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", severity=Severity.HIGH, minutes_ago=240)
    full = _levelled_off(fleet, "db-master-01", "memory")
    assert NOW.timestamp() - full > 180 * 60
    started = clock(NOW - timedelta(minutes=240) + timedelta(minutes=1))
    response = Agent(fleet, use_cache=False).ask("What's wrong with db-master-01?").response
    assert response.startswith("**db-master-01: memory leak**"), response
    assert f"saturated at 99% since {clock(full)}" in response, response
    assert f"since {started}" in response and "over 3 h" not in response, response
    assert "climbing steadily" not in response
    # Flat at 99% over the window, memory does not move in step with its symptoms: no weak r is quoted.
    assert "a symptom of the memory leak (began " in response, response
    assert all(abs(float(r)) >= 0.5 for r in re.findall(r"r=(-?[\d.]+)\)", response)), response


def test_a_cpu_held_at_98_percent_is_saturated_since_it_got_there(fleet: Fleet) -> None:
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01", severity=Severity.HIGH, minutes_ago=130)
    pinned = clock(_levelled_off(fleet, "web-prod-01", "cpu"))
    response = Agent(fleet, use_cache=False).ask("web-prod-01 CPU 추세 어때?").response
    assert f"{pinned}부터 98%에서 포화" in response, response


def test_a_disk_near_the_top_but_still_filling_is_not_full(fleet: Fleet) -> None:
    """97.5-100 % is where a metric can be pinned; a disk there that still fills gets its forecast."""
    inject(fleet, IncidentType.DISK_FULL, "web-prod-01", severity=Severity.HIGH, minutes_ago=56)
    assert ceiling_level("disk") <= _series(fleet, "web-prod-01", "disk")[1][-1] < 99.5
    response = Agent(fleet, use_cache=False).ask("What's wrong with web-prod-01?").response
    assert "saturated" not in response, response
    assert "at this rate: disk full (100%) in ~" in response, response


@pytest.mark.parametrize("question, lang", [("since when has the disk been full?", "en"),
                                            ("디스크 언제부터 찼어?", "ko")])
def test_since_when_gives_when_it_got_full_and_when_it_started_filling(fleet: Fleet, question: str,
                                                                      lang: str) -> None:
    inject(fleet, IncidentType.DISK_FULL, "web-prod-01", severity=Severity.HIGH, minutes_ago=150)
    full = clock(_levelled_off(fleet, "web-prod-01", "disk"))
    critical = clock(_first_of_last_run(fleet, "web-prod-01", "disk", 90.0))
    started = clock(NOW - timedelta(minutes=149))
    first = Agent(fleet, use_cache=False).ask(question).response.split("\n")[0]
    said = {"en": f"**disk on web-prod-01: full since {full}** (at 100%; past the critical 90% since "
                  f"{critical}) — it started filling at {started}",
            "ko": f"**web-prod-01 디스크: {full}부터 100%로 가득 참** (위험 임계값 90% 이상은 {critical}부터)"
                  f" — 차오르기 시작한 것은 {started}부터"}[lang]
    assert first == said
    assert full != critical != started


@pytest.mark.parametrize("question, lang", [("since when has db-master-01 memory been high?", "en"),
                                            ("db-master-01 메모리 언제부터 높았어?", "ko")])
def test_since_when_for_a_metric_still_rising_gives_when_it_began(fleet: Fleet, question: str,
                                                                 lang: str) -> None:
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", severity=Severity.LOW, minutes_ago=20)
    first = Agent(fleet, use_cache=False).ask(question).response.split("\n")[0]
    began = re.search(r"(\d\d):(\d\d) KST", first)
    assert began, first
    assert abs(int(began[1]) * 60 + int(began[2]) - (14 * 60 + 10)) <= 3, first  # as the leak is dated
    assert first.startswith({"en": "**memory on db-master-01 at ", "ko": "**db-master-01 메모리 "}[lang])


@pytest.mark.parametrize("kind, metric, minutes", [
    (IncidentType.MEMORY_LEAK, "memory", 4), (IncidentType.MEMORY_LEAK, "memory", 5),
    (IncidentType.DISK_FULL, "disk", 4), (IncidentType.DISK_FULL, "disk", 5)])
def test_a_burst_that_slowed_is_told_at_its_pace_now_not_the_bursts(fleet: Fleet, kind: IncidentType,
                                                                   metric: str, minutes: int) -> None:
    """A leak found late (or a burst of logs) jumps for two minutes, then creeps. Minutes later the
    answer's pace is the creep the data shows over its last minutes, and no crossing is forecast
    from the jump: a line through it said "+8 points a minute, critical in a minute"."""
    inject(fleet, kind, "web-prod-01", severity=Severity.MEDIUM, minutes_ago=minutes)
    (diagnosis,) = diagnose(fleet, [fleet.resolve("web-prod-01")], NOW.timestamp())
    (finding,) = [c.primary for c in diagnosis.causes if c.primary is not None and c.primary.metric == metric]
    _, series = _series(fleet, "web-prod-01", metric)
    creep = (series[-1] - series[-3]) / 2  # a point a minute, apart from the engine
    assert finding.slope is not None and abs(finding.slope - creep) < 0.5, (finding.slope, creep)
    assert all(f.seconds > 10 * 60 for f in finding.forecasts), finding.forecasts

