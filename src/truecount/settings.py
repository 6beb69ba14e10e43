"""Every setting in one place, read from the environment (prefix ``TRUECOUNT_``) or a ``.env`` file.

The domain never reads settings; services receive the values they need.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """truecount's configuration. Units are in the names."""

    model_config = SettingsConfigDict(env_prefix="TRUECOUNT_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///truecount.db",
        description="SQLAlchemy URL. SQLite (embedded default, file in the working directory) "
        "or postgresql+psycopg://user@host/db for production.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=30_000, ge=0, description="How long a SQLite writer waits for the write lock."
    )
    pg_pool_size: int = Field(default=20, ge=1, description="PostgreSQL connection pool size per process.")
    auth_cache_s: float = Field(
        default=1.0,
        ge=0,
        description="How long a server process reuses a bearer token's lookup (0: look it up on every request). "
        "A revoke or a user change holds at once in the process that made it, within this in the others.",
    )
    merchant: str = Field(default="default", description="Merchant code the CLI acts for.")
    actor: str = Field(default="", description="Who the CLI records as actor; empty means cli:$USER.")
    secret_key: str = Field(
        default="change-me-in-production",
        description="Signs session cookies and CSRF tokens. Set a long random value in production.",
    )
    push_interval_s: float = Field(default=600.0, gt=0, description="Default interval for interval channels.")
    worker_poll_interval_s: float = Field(default=0.5, gt=0, description="How often the sync worker polls.")
    push_lease_s: float = Field(
        default=60.0, gt=0, description="How long a sync worker holds a claimed push before another may take it."
    )
    max_quantity: int = Field(
        default=1_000_000_000, ge=1, description="Largest quantity one movement may carry; above is absurd."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached)."""
    return Settings()
