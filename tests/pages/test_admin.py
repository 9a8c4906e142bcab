"""Admin page against the real engine's records: empty state, KPIs vs targets, charts, logs."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from openmanager_core.ai import Agent, InvalidQuery
from openmanager_core.fleet import Fleet
from openmanager_core.runtime import get_agent
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts

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


def kpis(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.main.metric}


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
    assert shown["성공률"] == f"{stats.success_rate:.1f}%" == "75.0%"
    assert shown["오류율"] == f"{stats.error_rate:.1f}%" == "25.0%"
    assert shown["평균 응답 시간"] == f"{stats.average_response_time:.2f} s"
    assert shown["폴백 사용률"] == f"{stats.fallback_usage:.1f}%"
    verdicts = [m.value for m in app.markdown if "-badge[" in m.value]
    assert ":red-badge[:material/close: 목표 ≥ 95% 미달]" in verdicts
    assert ":green-badge[:material/check: 목표 ≤ 1 s 달성]" in verdicts
    assert ":red-badge[:material/close: 목표 ≤ 1% 미달]" in verdicts
    tiers = app.dataframe[0].value
    assert tiers.iloc[:, 0].tolist() == ["최적화 엔진", "패턴 매칭", "기본 응답"]
    assert tiers.iloc[:, 1].sum() == stats.answered_queries == 3


def test_four_charts_are_drawn(open_page: OpenPage, asked: Agent) -> None:
    app = open_page(PAGE)
    charts = app.get("plotly_chart")
    assert len(charts) == 4
    assert "최근 질의 4건" in texts(app)


def test_logs_newest_first_with_level_filter_limit_and_csv(open_page: OpenPage, asked: Agent) -> None:
    app = open_page(PAGE)
    logs = app.dataframe[1].value
    times = logs["시각 (KST)"].tolist()
    assert times == sorted(times, reverse=True)
    assert set(logs["수준"]) >= {"info", "warning"}
    app.segmented_control(key="admin_level").set_value("warning").run()
    no_exceptions(app)
    assert set(app.dataframe[1].value["수준"]) == {"warning"}
    assert "rejected query" in app.dataframe[1].value["메시지"].iloc[0]
    app.segmented_control(key="admin_level").set_value(None).run()
    app.number_input(key="admin_limit").set_value(2).run()
    assert len(app.dataframe[1].value) == 2
    download = app.get("download_button")[0]
    assert download.proto.label == "CSV 다운로드"

