"""Every setting Cadence reads, typed and defaulted. Only the composition root (``app.py``) and the CLI read it.

Each field is documented in ``docs/configuration.md``; a test fails when one is missing there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cadence.domain.errors import ConfigurationError

__all__ = ["Settings", "default_data_dir", "load_settings"]


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/cadence``, i.e. ``~/.local/share/cadence`` on most systems."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cadence"


class Settings(BaseSettings):
    """Read from ``CADENCE_*`` environment variables (and a ``.env`` file in the working directory)."""

    model_config = SettingsConfigDict(env_prefix="CADENCE_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = Field(
        "development", description="'production' refuses unsafe defaults such as a missing secret key."
    )
    data_dir: Path = Field(
        default_factory=default_data_dir, description="Folder for the embedded SQLite database and local files."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the database; default: SQLite at DATA_DIR/cadence.db. "
        "PostgreSQL: postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE.",
    )
    host: str = Field("127.0.0.1", description="Address 'cadence serve' listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port 'cadence serve' listens on.")
    secret_key: SecretStr | None = Field(
        None, description="Signs sessions and CSRF tokens. Required when CADENCE_ENV=production."
    )
    workspace_file: Path = Field(
        Path("cadence.toml"), description="The workspace TOML file (workflow mapping, teams, SLA policies)."
    )
    encryption_key: SecretStr | None = Field(
        None,
        description="Fernet key that encrypts source credentials (Jira tokens) at rest; required to connect or sync "
        "a source. Generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'.",
    )
    session_idle_minutes: int = Field(
        480, ge=5, description="A web session ends after this many minutes without a request."
    )
    session_max_hours: int = Field(
        168, ge=1, description="A web session ends this many hours after sign-in, however active."
    )
    secure_cookies: bool = Field(
        False,
        description="Mark cookies Secure even when requests arrive over plain http (behind a TLS-terminating proxy).",
    )
    reconcile_hours: float = Field(
        24,
        ge=0,
        description="'cadence sync' also removes issues deleted in the source when its last reconciliation is "
        "older than this many hours; 0 turns that off.",
    )
    notify_max_attempts: int = Field(
        5, ge=1, le=50, description="Attempts per notification before it is marked failed ('cadence notify send')."
    )
    notify_retry_seconds: float = Field(
        60, gt=0, description="Wait after a notification's first failed attempt; doubled after each further one."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Minimum level logged.")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="'cadence serve' log lines: 'text' for people, 'json' for one JSON object per line (log "
        "collectors); both carry the request id.",
    )
    metrics_token: SecretStr | None = Field(
        None,
        description="When set, GET /metrics requires 'Authorization: Bearer <token>'; when unset, /metrics answers "
        "loopback clients only.",
    )
    scheduler: bool = Field(
        True,
        description="'cadence serve' runs the scheduled jobs (stand-up reminders, digests, nudges, risk reviews, "
        "weekly report, notification delivery) in a background thread. Safe with several instances on one "
        "PostgreSQL: each occurrence runs once.",
    )
    scheduler_interval_seconds: float = Field(
        60, ge=5, le=3600, description="How often the scheduler thread looks for due jobs."
    )
    sync_interval_minutes: int = Field(
        0,
        ge=0,
        le=1440,
        description="The scheduler syncs every Jira source this often (job 'sync-sources'); 0 turns it off. "
        "Runs once across instances.",
    )
    sync_lease_seconds: int = Field(
        600,
        ge=30,
        le=86400,
        description="A running sync holds its source's lease this long past its last batch; a second sync is refused "
        "meanwhile, and a crashed instance's lease lapses after it.",
    )
    cache_mb: int = Field(
        2048,
        ge=0,
        le=1_048_576,
        description="Megabytes of computed results (team frames, metrics, forecasts, backlog reviews) one process "
        "keeps in memory; the least recently used are dropped past it. About 100 MB per warm 50k-item team.",
    )

    @field_validator("database_url")
    @classmethod
    def _blank_is_default(cls, value: str | None) -> str | None:
        return value or None

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.expanduser() / 'cadence.db'}"

    @property
    def uses_default_database(self) -> bool:
        return self.database_url is None

    def check_production(self) -> None:
        if self.env == "production" and self.secret_key is None:
            raise ConfigurationError("CADENCE_SECRET_KEY must be set when CADENCE_ENV=production")


def load_settings() -> Settings:
    """Settings from the environment, with validation failures turned into one clear sentence."""
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "CADENCE_" + str(first["loc"][0]).upper() if first["loc"] else "a CADENCE_ setting"
        raise ConfigurationError(f"{name} is invalid: {first['msg']}") from None
    if settings.uses_default_database:
        settings.data_dir.expanduser().mkdir(parents=True, exist_ok=True)
    settings.check_production()
    return settings
