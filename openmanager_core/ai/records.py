"""Every query, tier attempt and error, kept in the store for `retention_days`; the admin stats and logs
are read back from it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
from sqlalchemy import case, delete, func, insert, select, true

from ..settings import get_settings
from ..store import Store, ai_logs, ai_queries, utc
from .models import METHODS, AdminStats, LogContext, LogEntry, LogLevel, QueryRecord, TierStats

MAX_STORED_QUERY = 1000
MAX_STORED_MESSAGE = 2000
# Percentiles are computed in Python (SQLite has no percentile function) over at most this many of
# the latest answered queries; counts and averages cover every row.
PERCENTILE_ROWS = 100_000
TRIM_INTERVAL = timedelta(hours=1)  # rows past retention are deleted at most this often, per process
# Requests turned away by the rate limit (the API's 429s, the AI page's refusals) are counted per
# minute in memory, never stored as rows
# (a flood would otherwise grow the table without bound); minutes older than this are forgotten.
RATE_LIMITED_MINUTES = 31 * 24 * 60

Outcome = Literal["answered", "rejected", "failed"]
LogLine = tuple[LogLevel, str, str | None, float | None]  # level, message, tier, duration (ms)

log = logging.getLogger("openmanager.ai")


@dataclass
class QueryLog:
    """One query as it happened, written in one transaction with its log lines."""

    query: str
    language: str
    endpoint: str
    outcome: Outcome
    processing_ms: float
    method: str | None = None
    success: bool = False
    fallback_used: bool = False
    cached: bool = False
    priority: str | None = None
    servers: list[str] = field(default_factory=list)
    error: str | None = None
    messages: list[LogLine] = field(default_factory=list)  # in the order they happened


def _percentile(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if values.size else 0.0


def _share(part: int, whole: int) -> float:
    """`part` as a percentage of `whole`, 0 when there is nothing to divide."""
    return round(100.0 * part / whole, 2) if whole else 0.0


class Records:
    """Writes never raise (a store outage must not cost the operator the answer); reads do.

    Rows older than `retention` (default: the process's `retention_days`) are deleted by the first
    write, then at most once every TRIM_INTERVAL.
    """

    def __init__(self, store: Store, clock: Callable[[], datetime],
                 retention: timedelta | None = None) -> None:
        self.store, self.clock = store, clock
        self.retention = retention or timedelta(days=get_settings().retention_days)
        self._trimmed_at: datetime | None = None
        self._trim_lock = threading.Lock()
        self._rate_limited: dict[int, int] = {}  # minute (epoch // 60) -> requests turned away
        self._rate_limited_lock = threading.Lock()

    def _trim_if_due(self, now: datetime) -> None:
        with self._trim_lock:  # one writer trims; the others go on
            if self._trimmed_at is not None and now - self._trimmed_at < TRIM_INTERVAL:
                return
            self._trimmed_at = now
        cutoff = now - self.retention
        try:
            with self.store.engine.begin() as conn:
                lines = conn.execute(delete(ai_logs).where(ai_logs.c.created_at < cutoff)).rowcount
                queries = conn.execute(delete(ai_queries).where(ai_queries.c.created_at < cutoff)).rowcount
        except Exception as exc:  # as for writes: the next one due tries again
            log.error("could not delete AI records older than %s: %s", cutoff, exc)
            return
        if lines or queries:
            log.info("deleted %d AI queries and %d log lines older than %s", queries, lines, cutoff)

    def count_rate_limited(self) -> None:
        """One request turned away by the rate limit (an API 429 or a question on the AI page), counted
        in this process's minute buckets."""
        minute = int(self.clock().timestamp() // 60)
        with self._rate_limited_lock:
            buckets = self._rate_limited
            buckets[minute] = buckets.get(minute, 0) + 1
            if len(buckets) > RATE_LIMITED_MINUTES:
                for old in [m for m in buckets if m <= minute - RATE_LIMITED_MINUTES]:
                    del buckets[old]

    def rate_limited(self, since: datetime | None = None) -> int:
        """Requests turned away by the rate limit in this process, from `since`'s minute on."""
        first = int(since.timestamp() // 60) if since is not None else None
        with self._rate_limited_lock:
            return sum(n for minute, n in self._rate_limited.items() if first is None or minute >= first)

    def write(self, entry: QueryLog) -> int | None:
        """Store the query row and its log lines; the query id, or None if the store is down."""
        now = self.clock()
        try:
            with self.store.engine.begin() as conn:
                query_id = conn.execute(insert(ai_queries).values(
                    created_at=now, query=entry.query[:MAX_STORED_QUERY], language=entry.language,
                    endpoint=entry.endpoint[:64], method=entry.method, success=entry.success,
                    fallback_used=entry.fallback_used, cached=entry.cached, processing_ms=entry.processing_ms,
                    error=entry.error[:MAX_STORED_MESSAGE] if entry.error else None, outcome=entry.outcome,
                    priority=entry.priority, servers=",".join(entry.servers)[:MAX_STORED_MESSAGE] or None,
                ).returning(ai_queries.c.id)).scalar_one()
                rows: list[dict[str, Any]] = [
                    {"level": level, "message": message, "tier": tier, "duration_ms": duration}
                    for level, message, tier, duration in entry.messages]
                if rows:
                    conn.execute(insert(ai_logs), [{**row, "created_at": now, "query_id": query_id,
                                                    "message": row["message"][:MAX_STORED_MESSAGE]}
                                                   for row in rows])
        except Exception as exc:  # the store is down or full: keep answering, say so in the process log
            log.error("could not record an AI query: %s", exc)
            return None
        self._trim_if_due(now)
        return int(query_id)

    def log(self, level: LogLevel, message: str, *, tier: str | None = None,
            duration_ms: float | None = None) -> None:
        now = self.clock()
        try:
            with self.store.engine.begin() as conn:
                conn.execute(insert(ai_logs).values(
                    created_at=now, level=level, tier=tier, message=message[:MAX_STORED_MESSAGE],
                    duration_ms=duration_ms))
        except Exception as exc:
            log.error("could not record an AI log line: %s", exc)
            return
        self._trim_if_due(now)

    # -- reading back ---------------------------------------------------------------------

    def stats(self, since: datetime | None = None) -> AdminStats:
        """Every figure of the admin page and `/admin/stats`, over the queries recorded at or after `since`.

        Rejected input (empty or too long) is counted on its own: the success and error rates are
        shares of the queries a tier worked on, so a refused question never counts as an error.
        """
        q = ai_queries.c
        answered = q.outcome == "answered"
        rejected = q.outcome == "rejected"
        window = q.created_at >= since if since is not None else true()
        logged = ai_logs.c.created_at >= since if since is not None else true()
        with self.store.reading() as conn:
            totals = conn.execute(select(
                func.count(), func.sum(case((q.success, 1), else_=0)),
                func.sum(case((answered, 1), else_=0)), func.sum(case((rejected, 1), else_=0)),
                func.sum(case((answered & q.fallback_used, 1), else_=0)),
                func.sum(case((answered & q.cached, 1), else_=0)), func.min(q.created_at),
            ).where(window)).one()
            durations = conn.execute(select(q.method, q.processing_ms).where(answered & window)
                                     .order_by(q.id.desc()).limit(PERCENTILE_ROWS)).all()
            by_method = {row[0]: (int(row[1]), float(row[2] or 0.0)) for row in conn.execute(
                select(q.method, func.count(), func.avg(q.processing_ms)).where(answered & window)
                .group_by(q.method))}
            average = conn.execute(select(func.avg(q.processing_ms)).where(answered & window)).scalar_one()
            errors = conn.execute(select(func.count()).select_from(ai_logs)
                                  .where((ai_logs.c.level == "error") & logged)).scalar_one()
        total, succeeded, n_answered, n_rejected, fallbacks, hits, first = (
            int(totals[0] or 0), int(totals[1] or 0), int(totals[2] or 0), int(totals[3] or 0),
            int(totals[4] or 0), int(totals[5] or 0), totals[6])
        attempted = total - n_rejected  # answered or failed: a tier worked on them
        seconds = np.array([row[1] for row in durations], dtype=float) / 1000.0
        methods = np.array([row[0] for row in durations], dtype=object)
        tiers: dict[str, TierStats] = {}
        for method in METHODS:
            count, mean_ms = by_method.get(method, (0, 0.0))
            mine = seconds[methods == method] if seconds.size else seconds
            tiers[method] = TierStats(
                count=count, share=_share(count, n_answered),
                average_response_time=round(mean_ms / 1000.0, 4),
                p50_response_time=round(_percentile(mine, 50), 4),
                p95_response_time=round(_percentile(mine, 95), 4))
        return AdminStats(
            total_queries=total, answered_queries=n_answered, failed_queries=attempted - n_answered,
            rejected_queries=n_rejected,
            rejected_rate=_share(n_rejected, total),
            success_rate=_share(succeeded, attempted), error_rate=_share(attempted - succeeded, attempted),
            average_response_time=round(float(average or 0.0) / 1000.0, 4),
            p50_response_time=round(_percentile(seconds, 50), 4),
            p95_response_time=round(_percentile(seconds, 95), 4),
            fallback_usage=_share(fallbacks, n_answered),
            cache_hits=hits, tiers=tiers, errors=int(errors), rate_limited=self.rate_limited(since),
            since=utc(first) if first else None)

    def logs(self, limit: int = 50, level: LogLevel | None = None,
             since: datetime | None = None) -> list[LogEntry]:
        """The latest lines, newest first, each with the query it belongs to (the guide's `context`)."""
        logs, q = ai_logs.c, ai_queries.c
        stmt = (select(ai_logs, q.query.label("query_text"), q.processing_ms)
                .select_from(ai_logs.outerjoin(ai_queries, logs.query_id == q.id))
                .order_by(logs.id.desc()).limit(limit))
        if level is not None:
            stmt = stmt.where(logs.level == level)
        if since is not None:
            stmt = stmt.where(logs.created_at >= since)
        with self.store.reading() as conn:
            rows = conn.execute(stmt).all()
        return [LogEntry(id=r.id, timestamp=utc(r.created_at), level=r.level, message=r.message, tier=r.tier,
                         query_id=r.query_id, duration_ms=r.duration_ms,
                         context=LogContext(query=r.query_text, processing_time=r.processing_ms))
                for r in rows]

    def queries(self, limit: int = 500, since: datetime | None = None) -> list[QueryRecord]:
        """The latest `limit` queries from `since` on, oldest first (the order a chart over time wants)."""
        q = ai_queries.c
        stmt = select(ai_queries).order_by(q.id.desc()).limit(limit)
        if since is not None:
            stmt = stmt.where(q.created_at >= since)
        with self.store.reading() as conn:
            rows = conn.execute(stmt).all()
        return [QueryRecord(
            id=r.id, timestamp=utc(r.created_at), query=r.query, language=r.language, endpoint=r.endpoint,
            method=r.method if r.method in METHODS else None, processing_time=r.processing_ms,
            success=r.success, fallback_used=r.fallback_used, cached=r.cached, priority=r.priority,
            error=r.error,
        ) for r in reversed(rows)]
