"""The AI over this machine (OPENMANAGER_SOURCE=host): no history for the hour yet, metrics the
host doesn't measure, and still an answer naming the host, with its numbers and no invented ones."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from openmanager_core.ai import Agent
from openmanager_core.fleet import Fleet
from tests.ai.conftest import settings_for


@pytest.fixture
def host_agent(tmp_path: Path) -> Agent:
    return Agent(Fleet(settings_for(tmp_path, source="host", host_sample_seconds=0.5)), use_cache=False)


@pytest.mark.parametrize("question", ["why is {host} slow?", "{host} 상태 분석해줘", "왜 CPU가 높아?",
                                      "응답 시간이 느린 서버는?", "지금 문제 있는 서버는?"])
def test_answers_about_this_machine_name_it_and_show_missing_values_as_missing(
        host_agent: Agent, question: str) -> None:
    host = socket.gethostname()
    answer = host_agent.ask(question.format(host=host))
    assert answer.success and answer.metadata.method in ("optimized_ai_engine", "pattern_matching")
    assert "nan" not in answer.response.lower().replace("nano", "")
    if "{host}" in question or "CPU" in question:
        assert host in answer.response
