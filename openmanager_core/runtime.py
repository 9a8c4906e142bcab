"""The process-wide shared objects, built once on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from .ai import Agent
from .alerts.delivery import Notifier
from .alerts.evaluator import AlertEvaluator
from .deployment import DeploymentDriver
from .fleet import Fleet
from .security.keys import KeyRing, load_keyring
from .security.ratelimit import RateLimiter
from .settings import get_settings

T = TypeVar("T")


class _Once(Generic[T]):
    """Build a value on first call, under a lock: concurrent first requests must not each
    open a store and race to create its schema."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None
        self.__doc__ = build.__doc__

    def __call__(self) -> T:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                value = self._value
        return value

    def peek(self) -> T | None:
        """The value if built, without building it (never waits)."""
        return self._value

    def cache_clear(self) -> None:
        with self._lock:
            self._value = None


class _DrivenFleet(_Once[Fleet]):
    """The one Fleet of this process, shared by every page session and API request, with the
    driver that advances a running deployment whether or not any browser watches, and the alert
    evaluator (which evaluates while this replica holds the lead)."""

    def __init__(self) -> None:
        super().__init__(self._build)
        self._driver: DeploymentDriver | None = None
        self._evaluator: AlertEvaluator | None = None

    def _build(self) -> Fleet:
        """A fresh Fleet of the settings, its deployment driver and alert evaluator started."""
        fleet = Fleet(get_settings())
        self._driver = DeploymentDriver(fleet)
        self._driver.start()
        self._evaluator = AlertEvaluator(fleet, Notifier(fleet.settings, fleet.store, fleet.clock))
        self._evaluator.start()
        return fleet

    def cache_clear(self) -> None:
        super().cache_clear()
        if self._driver is not None:
            self._driver.stop()
            self._driver = None
        if self._evaluator is not None:
            self._evaluator.stop()
            self._evaluator = None


def _build_agent() -> Agent:
    """The one AI agent of this process, over `get_fleet()`; the API and every page share it."""
    return Agent(get_fleet(), get_settings())


def _build_keyring() -> KeyRing:
    """The keys this process accepts (the generated one made on first start); API and pages share it."""
    return load_keyring(get_settings())


def _build_limiter() -> RateLimiter:
    """The rate-limit counters of this process (or Redis); the API and the AI page draw on the same."""
    return RateLimiter(get_settings().redis_url)


get_fleet = _DrivenFleet()
get_agent = _Once(_build_agent)
get_keyring = _Once(_build_keyring)
get_limiter = _Once(_build_limiter)
