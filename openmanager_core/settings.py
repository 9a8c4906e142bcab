"""Every tunable of OpenManager in one place, read from the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """Environment variables are prefixed `OPENMANAGER_`, except `DATABASE_URL`/`REDIS_URL`."""

    model_config = SettingsConfigDict(
        env_prefix="OPENMANAGER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    fleet_size: int = Field(20, ge=1, le=50_000)
    database_url: str = Field(
        f"sqlite:///{DEFAULT_DATA_DIR / 'openmanager.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "OPENMANAGER_DATABASE_URL"),
    )
    redis_url: str | None = Field(
        None, validation_alias=AliasChoices("REDIS_URL", "OPENMANAGER_REDIS_URL")
    )
    deploy_interval_seconds: float = Field(1.0, gt=0, le=60)
    refresh_seconds: float = Field(5.0, gt=0, le=300)

    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(8.0, gt=0)

    ai_engine_budget_seconds: float = Field(3.0, gt=0)
    ai_pattern_budget_seconds: float = Field(1.0, gt=0)
    ai_cache_seconds: int = Field(300, ge=0)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
