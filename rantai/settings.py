"""Settings from the environment (`RANTAI_DB_URL`, ...), in one place."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_db_url() -> str:
    """SQLite file under the user's data directory (created on first use)."""
    folder = Path(user_data_dir("rantai", appauthor=False))
    return f"sqlite:///{folder / 'rantai.db'}"


class Settings(BaseSettings):
    """Rantai's settings; each can be set as `RANTAI_<NAME>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="RANTAI_")

    db_url: str = ""
    # Rows of the stalled-steps table artifact (the CSV has them all).
    artifact_max_rows: int = 200

    def database_url(self) -> str:
        """The configured database URL, or the per-user SQLite default."""
        return self.db_url or default_db_url()


# Prefect's ephemeral server can take more than 20 s to start on these machines.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}
