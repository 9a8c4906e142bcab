"""Admin page against the real engine's records: empty state, KPIs vs targets, charts, logs."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from streamlit.testing.v1 import AppTest

from openmanager_core.ai import Agent, InvalidQuery
from openmanager_core.ai.models import QueryRecord
from openmanager_core.api import create_api
from openmanager_core.fleet import Fleet
from openmanager_core.runtime import get_agent, get_fleet
from openmanager_core.settings import get_settings
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts
from ui.charts import response_time_figure
from ui.components import CARD_COLOUR

PAGE = "views/admin.py"


@pytest.fixture
def asked(deployed: Fleet) -> Agent:
    """Three answered questions and one refused one, through the real agent."""
    agent = get_agent()
    for question in ("현재 서버 상태 요약해줘", "why is db-master-01 slow?", "디스크 용량 부족한 곳 있어?"):
        agent.ask(question)
    with pytest.raises(InvalidQuery):
        agent.ask("  ")
    return agent


TILE = re.compile(r'<div class="om-kpi-label">(.*?)</div><div class="om-kpi-value">(.*?)</div>'
                  r'<(?:div|span) class="om-kpi-(note|verdict)"(?: style="color:(#\w+);[^"]*")?>(.*?)</')


def tiles(app: AppTest) -> dict[str, tuple[str, str, str | None]]:
    """Each KPI tile's label: its value, the text under it and, for a verdict, its colour."""
    return {unescape(label): (unescape(value), unescape(note), colour or None)
            for block in app.get("html") for label, value, _, colour, note in TILE.findall(block.proto.body)}


def kpis(app: AppTest) -> dict[str, str]:
    return {label: value for label, (value, _, _) in tiles(app).items()}


def test_empty_store_says_how_to_fill_it(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(PAGE)
    no_exceptions(app)
    assert "아직 기록된 AI 질의가 없습니다" in app.info[0].value
    assert "/api/ai-agent/optimized" in app.code[0].value
    assert not app.get("plotly_chart") and not kpis(app)


def test_kpis_are_the_engines_figures_beside_the_targets(open_page: OpenPage, asked: Agent) -> None:
    stats = asked.stats()
    app = open_page(PAGE)
    no_exceptions(app)
    shown = kpis(app)
    assert shown["전체 질의"] == "4"
    # The refused blank question is its own tile, not an error against the 1 % target.
    assert shown["거부된 입력"] == "1"
    assert "전체의 25.0%" in tiles(app)["거부된 입력"][1]
    assert shown["성공률"] == f"{stats.success_rate:.1f}%" == "100.0%"
    assert shown["오류율"] == f"{stats.error_rate:.1f}%" == "0.0%"
    assert shown["평균 응답 시간"] == f"{stats.average_response_time:.2f} s"
    assert shown["폴백 사용률"] == f"{stats.fallback_usage:.1f}%"
    green = CARD_COLOUR["green"]
    assert tiles(app)["성공률"][1:] == ("✓ 목표 ≥ 95% 달성", green)
    assert tiles(app)["평균 응답 시간"][1:] == ("✓ 목표 ≤ 1 s 달성", green)
    assert tiles(app)["오류율"][1:] == ("✓ 목표 ≤ 1% 달성", green)
    assert tiles(app)["p95 응답 시간"][1] == f"p50 {stats.p50_response_time:.2f} s"
    tiers = app.table[0].value
    assert tiers.iloc[:, 0].tolist() == ["최적화 엔진", "패턴 매칭", "기본 응답"]
    assert tiers.iloc[:, 1].sum() == stats.answered_queries == 3
    for (_, row), tier in zip(tiers.iterrows(), stats.tiers.values(), strict=True):
        assert row.iloc[2] == f"{tier.share:.1f}%"
        # A tier that gave no answer has no response time to show, not 0.
        shown = [f"{value:.3f} s" if tier.count else "—" for value in
                 (tier.average_response_time, tier.p50_response_time, tier.p95_response_time)]
        assert row.iloc[3:6].tolist() == shown
    assert "—" in tiers.iloc[:, 5].tolist()  # the engine answered all three: the other tiers gave none


def test_the_apis_429s_show_in_the_rate_limited_tile(open_page: OpenPage, asked: Agent,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENMANAGER_RATE_LIMIT_NEXT", "1/minute")
    get_settings.cache_clear()
    # The process's own API over the process's own fleet: the agent, counter and limiter the page uses.
    with TestClient(create_api(get_fleet), base_url="http://127.0.0.1", client=("203.0.113.71", 1)) as api:
        assert [api.get("/servers/next").status_code for _ in range(3)] == [200, 429, 429]
    assert kpis(open_page(PAGE))["요청 한도 초과"] == "2"
    english = open_page(PAGE, lang="en")
    no_exceptions(english)
    assert kpis(english)["Rate limited"] == "2"
    assert tiles(english)["Rate limited"][1:] == (
        "API 429s and questions the AI page turned away · this process", None)


TABS = ("질의 수", "응답 시간", "응답 계층", "오류율")
CHART_KEY = "admin_chart"  # the tabs' key: its value is the open tab's label


def chart_specs(app: AppTest) -> list[dict[str, Any]]:
    """Each tab's chart, opening the tabs one by one as a user does; only the open one is drawn."""
    assert [tab.label for tab in app.tabs] == list(TABS)
    specs = []
    for label in TABS:
        app.session_state[CHART_KEY] = label
        app.run()
        no_exceptions(app)
        [chart] = app.get("plotly_chart")
        specs.append(json.loads(chart.proto.spec))
    return specs


def test_the_first_chart_is_drawn_and_each_other_one_tab_away(open_page: OpenPage, asked: Agent) -> None:
    app = open_page(PAGE)
    [first] = app.get("plotly_chart")  # open without a click: the queries over time
    assert json.loads(first.proto.spec)["layout"]["title"]["text"].startswith("시간별 질의 수")
    assert "최근 질의 4건" in texts(app)
    times = [pd.Timestamp(r.timestamp).tz_convert("Asia/Seoul").tz_localize(None)
             for r in asked.query_records()]
    figures = {spec["layout"]["title"]["text"].split(" (")[0]: spec for spec in chart_specs(app)}
    queries, latency, share, errors = (figures[name] for name in (
        "시간별 질의 수", "응답 시간 분포", "응답 계층별 비중", "시간별 오류율"))

    # The tier chart is about answers: the refused question is not a slice of it.
    labels = {label for trace in share["data"] for label in trace["labels"]}
    assert labels and labels <= {"최적화 엔진", "패턴 매칭", "기본 응답"}
    assert sum(share["data"][0]["values"]) == asked.stats().answered_queries == 3
    # The error rate spans the same time as the queries (a minute at least), over the same buckets.
    for figure in (queries, errors):
        first_x, last_x = (pd.Timestamp(v) for v in figure["layout"]["xaxis"]["range"])
        assert first_x <= min(times) and last_x >= max(times)
        assert last_x - first_x <= max(max(times) - min(times), timedelta(minutes=1)) + timedelta(seconds=1)
    assert errors["data"][0]["xbins"] == queries["data"][0]["xbins"]
    assert [shape["y0"] for shape in errors["layout"]["shapes"]] == [1]  # the 1 % target
    # The queries chart stacks every query by its tier, the refused one apart.
    assert sum(len(trace["x"]) for trace in queries["data"]) == 4
    assert "거부된 입력" in {trace["name"] for trace in queries["data"]}
    # The latency axis says its unit and fits the answers (all far below the 1 s target here).
    axis = latency["layout"]["xaxis"]
    assert axis["title"]["text"].startswith("응답 시간 (ms)")
    assert not latency["layout"].get("shapes")  # the target line would stretch the axis to 1000 ms


def test_the_shared_charts_follow_a_new_question(open_page: OpenPage, asked: Agent) -> None:
    def charted(app: AppTest) -> int:
        """Queries in the queries-over-time chart: one x value each, over its tiers' traces."""
        spec = json.loads(app.get("plotly_chart")[0].proto.spec)
        return sum(len(trace["x"]) for trace in spec["data"])

    app = open_page(PAGE)
    assert charted(app) == 4
    asked.ask("CPU 사용률이 높은 서버 알려줘")
    assert charted(app.run()) == 5  # the same session's next run
    assert charted(open_page(PAGE)) == 5  # and a new one


def test_logs_newest_first_with_level_filter_limit_and_csv(open_page: OpenPage, asked: Agent) -> None:
    app = open_page(PAGE)
    logs = app.dataframe[0].value
    times = logs["시각 (KST)"].tolist()
    assert times == sorted(times, reverse=True)
    assert set(logs["수준"]) >= {"info", "warning"}
    app.segmented_control(key="admin_level").set_value("warning").run()
    no_exceptions(app)
    assert set(app.dataframe[0].value["수준"]) == {"warning"}
    assert "rejected query" in app.dataframe[0].value["메시지"].iloc[0]
    assert app.dataframe[0].value["질문"].iloc[0] == "  "  # the line names the question it is about
    app.segmented_control(key="admin_level").set_value(None).run()
    app.number_input(key="admin_limit").set_value(2).run()
    assert len(app.dataframe[0].value) == 2
    download = app.get("download_button")[0]
    assert download.proto.label == "CSV 다운로드"



def test_logs_name_their_question(open_page: OpenPage, asked: Agent) -> None:
    logs = open_page(PAGE).dataframe[0].value
    asked_questions = {"현재 서버 상태 요약해줘", "why is db-master-01 slow?", "디스크 용량 부족한 곳 있어?"}
    assert asked_questions <= set(logs["질문"])


def test_the_range_narrows_kpis_charts_and_logs(open_page: OpenPage, deployed: Fleet) -> None:
    agent = get_agent()
    now = deployed.clock()
    agent.records.clock = lambda: now - timedelta(days=2)
    agent.ask("현재 서버 상태 요약해줘")
    with pytest.raises(InvalidQuery):
        agent.ask("x" * 1001)
    agent.records.clock = lambda: now - timedelta(hours=3)
    agent.ask("CPU 사용률이 높은 서버 알려줘")
    agent.records.clock = deployed.clock
    agent.ask("디스크 용량 부족한 곳 있어?")

    app = open_page(PAGE)
    assert (kpis(app)["전체 질의"], kpis(app)["거부된 입력"]) == ("4", "1")
    ranges = set(app.segmented_control(key="admin_range").options)
    assert ranges == {"최근 1시간", "최근 24시간", "최근 7일", "전체"}
    for name, total, asked_in_range in (
            ("1h", "1", {"디스크 용량 부족한 곳 있어?"}),
            ("24h", "2", {"디스크 용량 부족한 곳 있어?", "CPU 사용률이 높은 서버 알려줘"}),
            ("7d", "4", {"디스크 용량 부족한 곳 있어?", "CPU 사용률이 높은 서버 알려줘",
                          "현재 서버 상태 요약해줘", "x" * 1000})):  # stored up to 1000 characters
        app.segmented_control(key="admin_range").set_value(name).run()
        no_exceptions(app)
        assert kpis(app)["전체 질의"] == total, name
        assert f"최근 질의 {total}건" in texts(app)
        assert set(app.dataframe[-1].value["질문"]) == asked_in_range


def records_taking(*milliseconds: float) -> list[QueryRecord]:
    start = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    return [QueryRecord(id=i, timestamp=start + timedelta(minutes=i), query="q", language="ko", endpoint="ui",
                        method="optimized_ai_engine", processing_time=ms, success=True, fallback_used=False,
                        cached=False) for i, ms in enumerate(milliseconds)]


def test_latency_in_ms_on_a_linear_axis_when_close_together() -> None:
    layout = response_time_figure(records_taking(4, 6, 9, 12), "en").to_plotly_json()["layout"]
    assert layout["xaxis"]["title"]["text"] == "response time (ms)"
    assert "tickvals" not in layout["xaxis"] and not layout.get("shapes")


def test_latency_in_seconds_on_a_log_axis_when_spread_wide() -> None:
    drawn = response_time_figure(records_taking(3, 40, 900, 2500), "en")
    figure = drawn.to_plotly_json()
    axis = figure["layout"]["xaxis"]
    assert axis["title"]["text"] == "response time (s) · log scale"
    assert axis["ticktext"] == ["0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"]
    assert axis["tickvals"] == pytest.approx([math.log10(float(v)) for v in axis["ticktext"]])
    assert [shape["x0"] for shape in figure["layout"]["shapes"]] == [0.0]  # the 1 s target, log10(1)
    assert sorted(drawn.data[0].x) == pytest.approx([math.log10(v) for v in (0.003, 0.04, 0.9, 2.5)])
