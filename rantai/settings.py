"""Settings from the environment (`RANTAI_DB_URL`, ...), in one place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from platformdirs import user_data_dir
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Rantai's own folder under the user's data directory (made on first use)."""
    return Path(user_data_dir("rantai", appauthor=False)).absolute()


def default_db_url() -> str:
    """SQLite file under the user's data directory (created on first use)."""
    return f"sqlite:///{default_data_dir() / 'rantai.db'}"


class Settings(BaseSettings):
    """Rantai's settings; each can be set as `RANTAI_<NAME>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="RANTAI_")

    db_url: str = ""
    # Rows of the stalled-steps table artifact (the CSV has them all).
    artifact_max_rows: int = 200
    # Stall events one run sends, worst first; past it one `rantai.stall.summary` event says
    # how many more changed (0: no limit). Prefect's server takes about a millisecond per
    # event; a first national run opens tens of thousands of flags, a day's run in a
    # province tens to hundreds.
    stall_events_max: int = 1000
    # Where deployment runs read from (a folder or a URL) when no source is given.
    source: str = ""
    # Where deployment runs write their report folders (one subfolder per run).
    out_dir: str = ""
    # The output folder served over HTTP, if it is: report links on run pages point there.
    report_url: str = ""
    # The day a scheduled run evaluates is today in this timezone (the schedule's).
    timezone: str = "Asia/Jakarta"

    # HTTP sources (connectors/http.py). The token: RANTAI_SOURCE_TOKEN, else the Prefect
    # Secret block named by RANTAI_SOURCE_TOKEN_BLOCK. Each system may have its own URL and
    # token (RANTAI_TREASURY_URL, RANTAI_BPJS_TOKEN, ...); unset, it shares the run's.
    source_token: SecretStr | None = None
    source_token_block: str = ""
    treasury_url: str = ""
    treasury_token: SecretStr | None = None
    village_finance_url: str = ""
    village_finance_token: SecretStr | None = None
    bpjs_url: str = ""
    bpjs_token: SecretStr | None = None
    source_page_size: int = 1000
    source_connect_timeout: float = 5.0
    source_read_timeout: float = 30.0
    # Per page: attempts before a source counts as unreachable, and the backoff between them.
    source_max_attempts: int = 6
    source_backoff_seconds: float = 0.5
    source_max_backoff_seconds: float = 30.0
    source_max_retry_after_seconds: float = 120.0
    # Prefect task retries of a whole source on top of the connector's per-page retries.
    source_task_retries: int = 2
    source_task_retry_delay_seconds: float = 10.0
    # `updated_since` asks this far before the last snapshot: a record stamped coarsely (file
    # times lag the clock by a tick) is fetched twice, never missed; loads are idempotent.
    source_overlap_seconds: float = 2.0
    # Limits that keep a hostile or broken source from hanging or exhausting a run; past
    # one, that source is stale. A request's deadline counts every read of its body (the read
    # timeout is per read); a source's counts every page, retry and task retry.
    source_request_deadline_seconds: float = 120.0
    source_deadline_seconds: float = 1800.0
    source_max_pages: int = 10_000
    source_max_page_bytes: int = 16 * 1024 * 1024

    def database_url(self) -> str:
        """The configured database URL, or the per-user SQLite default."""
        return self.db_url or default_db_url()

    def source_location(self, given: str | None) -> str:
        """The source a run reads: the one given, else `RANTAI_SOURCE`; one is required."""
        location = given or self.source
        if not location:
            raise ValueError("no source: pass source (a folder or URL) or set RANTAI_SOURCE")
        return location

    def output_root(self) -> Path:
        """The configured output folder, or `reports/` under the user's data directory."""
        return Path(self.out_dir) if self.out_dir else default_data_dir() / "reports"

    def today(self) -> dt.date:
        """Today's date where the programmes are run (Asia/Jakarta unless configured)."""
        return dt.datetime.now(ZoneInfo(self.timezone)).date()


# Prefect's ephemeral server can take more than 20 s to start on these machines.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}
