"""Every tunable of OpenManager in one place, read from the environment."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from limits import parse
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """Environment variables are prefixed `OPENMANAGER_`, except `DATABASE_URL`/`REDIS_URL`."""

    model_config = SettingsConfigDict(
        env_prefix="OPENMANAGER_", env_file=".env", extra="ignore", populate_by_name=True,
        hide_input_in_errors=True,  # a rejected value may be a key, secret or DB password
    )

    # Where metrics come from: the simulated demo fleet, this machine (`host`, sampled every
    # `host_sample_seconds` into an in-process history), or node_exporter metrics in Prometheus
    # (or any store speaking its HTTP API) at `prometheus_url`, under `prometheus_selector`.
    source: Literal["simulated", "host", "prometheus"] = "simulated"
    host_sample_seconds: float = Field(5.0, ge=0.5, le=300)
    prometheus_url: str | None = None
    prometheus_selector: str = '{job="node"}'
    prometheus_bearer_token: SecretStr | None = None
    prometheus_username: str | None = None
    prometheus_password: SecretStr | None = None
    prometheus_timeout_seconds: float = Field(2.0, gt=0, le=60)
    prometheus_rate_window: str = Field("1m", pattern=r"^[0-9]+(ms|s|m|h)$")
    # The service dependency graph from a TOML/JSON file (a `depends_on` table); without one, the
    # catalogue's request path (simulated) and each server's `depends_on` label (Prometheus).
    dependencies: Path | None = None
    fleet_size: int = Field(20, ge=1, le=50_000)
    database_url: str = Field(
        f"sqlite:///{DEFAULT_DATA_DIR / 'openmanager.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "OPENMANAGER_DATABASE_URL"),
    )
    redis_url: str | None = Field(
        None, validation_alias=AliasChoices("REDIS_URL", "OPENMANAGER_REDIS_URL")
    )
    # Where the app keeps its own files (the generated admin key); see `data_folder`.
    data_dir: Path | None = None
    deploy_interval_seconds: float = Field(1.0, gt=0, le=60)
    refresh_seconds: float = Field(5.0, gt=0, le=300)
    # Incidents active at once in the whole fleet (each server has at most one of each type).
    max_active_incidents: int = Field(100, ge=1, le=10_000)

    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(8.0, gt=0)
    # After the LLM times out or cannot be reached, answers skip it this long (the analytic answer
    # stands at once), then the next answer tries it again; the AI self-test always tries it.
    llm_retry_seconds: float = Field(30.0, ge=0)

    ai_engine_budget_seconds: float = Field(3.0, gt=0)
    # The guide promises an answer within 5 s over HTTP; the tiers and the LLM get 4 s of it, so
    # recording the answer and replying fit in the last second on a loaded machine (CI saw 0.5 s).
    ai_total_budget_seconds: float = Field(4.0, gt=0)
    ai_pattern_budget_seconds: float = Field(1.0, gt=0)
    ai_cache_seconds: int = Field(300, ge=0)
    # AI queries and log lines older than this are deleted (checked at most once an hour).
    retention_days: int = Field(30, ge=1, le=36_500)
    # Answers worked on at once in this process; past it the API answers 503 and the page says busy.
    ai_max_concurrent: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=1024)

    # Security. Keys held here are SecretStr (never in a repr or log); the key ring hashes them.
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    read_api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    # Where Streamlit looks for secrets by default: the project's file, then the user's.
    secrets_files: Annotated[list[Path], NoDecode] = Field(default_factory=lambda: [
        Path(".streamlit/secrets.toml"), Path("~/.streamlit/secrets.toml")])
    # A public demo on purpose: anyone may deploy, reset and inject or clear simulated
    # incidents; the admin page and endpoints still need a key.
    open_demo: bool = False
    jwt_secret: SecretStr | None = None
    jwt_ttl_seconds: int = Field(900, ge=30, le=86_400)
    rate_limit_ai: str = "30/minute"
    rate_limit_next: str = "120/minute"
    rate_limit_default: str = "300/minute"
    max_body_bytes: int = Field(65_536, ge=1024, le=64 * 1024 * 1024)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Alerts (openmanager_core/alerts/). Channel URLs carry tokens, so they are secrets too; they
    # can also be listed in secrets.toml (`[openmanager] notify_urls = [...]`).
    alert_interval_seconds: float = Field(15.0, gt=0, le=3600)
    notify_urls: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    alertmanager_webhook_urls: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    alert_language: Literal["ko", "en"] = "ko"
    public_url: str = "http://localhost:8501"  # where notifications link to the server's detail page
    alert_delivery_attempts: int = Field(3, ge=1, le=10)  # per channel and message
    alert_retry_seconds: float = Field(1.0, ge=0, le=300)  # first backoff; doubles per attempt

    @field_validator("api_keys", "read_api_keys", "cors_origins", "secrets_files", "notify_urls",
                     "alertmanager_webhook_urls", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("rate_limit_ai", "rate_limit_next", "rate_limit_default")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        """`0` turns a limit off; anything else must parse as `N/unit` (`30/minute`)."""
        value = value.strip()
        if value != "0":
            parse(value)
        return value

    @field_validator("jwt_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("jwt_secret must be at least 32 characters (HS256 key)")
        return value

    @model_validator(mode="after")
    def _prometheus_needs_a_url(self) -> Settings:
        if self.source == "prometheus" and not self.prometheus_url:
            raise ValueError("OPENMANAGER_PROMETHEUS_URL is required with OPENMANAGER_SOURCE=prometheus")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def data_folder(self) -> Path:
        """`data_dir`, else the SQLite database's folder, else `data/` (PostgreSQL, in-memory)."""
        if self.data_dir is not None:
            return self.data_dir.expanduser()
        database = make_url(self.database_url).database if self.is_sqlite else None
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database).expanduser().parent
        return DEFAULT_DATA_DIR


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
