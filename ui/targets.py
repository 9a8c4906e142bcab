"""The guide's targets for the admin page's figures.

Kept out of the page script: a page script runs again on every visit and rerun, and building
the dataclass each time cost more than a millisecond of every run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """One of the guide's targets for a field of AdminStats."""

    field: str
    label: str
    limit: float
    at_least: bool
    unit: str  # "%" or "s"

    def shown(self, value: float, digits: int) -> str:
        return f"{value:.{digits}f}%" if self.unit == "%" else f"{value:.{digits}f} s"

    def met(self, value: float) -> bool:
        return value >= self.limit if self.at_least else value <= self.limit


TARGETS = (
    Target("success_rate", "admin.kpi.success", 95.0, True, "%"),
    Target("average_response_time", "admin.kpi.average", 1.0, False, "s"),
    Target("error_rate", "admin.kpi.errors", 1.0, False, "%"),
)
