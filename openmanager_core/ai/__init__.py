"""The AI agent: three tiers (analytic engine, patterns, fallback), thinking steps, admin records."""

from __future__ import annotations

from .agent import Agent, AgentBusy, InvalidQuery, StreamStalled, validate_query
from .models import (
    Action,
    AdminStats,
    AgentAnswer,
    AgentStatus,
    AnswerMetadata,
    LogEntry,
    QueryRecord,
    ThinkingStep,
    TierAttempt,
    TierStats,
)

__all__ = [
    "Action",
    "AdminStats",
    "Agent",
    "AgentAnswer",
    "AgentBusy",
    "AgentStatus",
    "AnswerMetadata",
    "InvalidQuery",
    "LogEntry",
    "QueryRecord",
    "StreamStalled",
    "ThinkingStep",
    "TierAttempt",
    "TierStats",
    "validate_query",
]
