"""The app's settings: one object, read from the environment once, handed to `create_app`.

Every variable is optional and documented in the README's configuration table (a test checks
it). A value that cannot be read stops the app at start-up with a one-line reason naming the
variable, rather than being guessed: `DEBUG=False` is off, `DEBUG=maybe` is an error, and only
`1`, `true`, `yes` or `on` turn Dash's debug mode (and the Werkzeug console) on.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})
# DuckDB's memory_limit syntax: a number and a unit (checked here so a typo is not a query error).
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
# A URL prefix is path segments of unreserved characters, between slashes.
_PREFIX = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*$")


class SettingsError(ValueError):
    """A setting from the environment that cannot be used (the message names it)."""


class Settings(BaseSettings):
    """Configuration of one app (see the README's configuration table)."""

    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=False, extra="ignore", frozen=True
    )

    warehouse_path: Path = Path("data/warehouse.duckdb")
    host: str = "127.0.0.1"
    port: int = Field(8050, ge=1, le=65535)
    # NoDecode: the raw text reaches `_strict_bool` (pydantic's own bool parsing is lenient).
    debug: Annotated[bool, NoDecode] = False
    redis_url: str | None = None
    duckdb_memory_limit: str = "512MB"
    background_cache_dir: Path = ROOT / "data" / ".cache" / "background"
    dash_url_base_pathname: str = "/"
    # Every warehouse query runs under a time limit and a row cap (as datasette does).
    query_time_limit_ms: int = Field(10_000, ge=10)
    query_max_rows: int = Field(100_000, ge=1)
    # Data downloads (CSV/Excel) may return more rows: an Excel sheet holds 1,048,576 (one header).
    export_max_rows: int = Field(1_048_575, ge=1)
    # The monthly digest (issue 12): where `--send` mails it, and the day the lifecycle counts from.
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: Annotated[bool, NoDecode] = False
    digest_from: str | None = None
    digest_to: str | None = None  # comma-separated addresses
    lifecycle_today: dt.date | None = None  # unset: the server's date

    @field_validator("debug", "smtp_starttls", mode="before")
    @classmethod
    def _strict_bool(cls, value: object) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(f"use one of 1/true/yes/on or 0/false/no/off, not {value!r}")

    @field_validator(
        "redis_url",
        "smtp_host",
        "smtp_user",
        "smtp_password",
        "digest_from",
        "digest_to",
        "lifecycle_today",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not _MEMORY.match(value.strip()):
            raise ValueError(f"a size such as 512MB or 1GB, not {value!r}")
        return value.strip()

    @field_validator("dash_url_base_pathname", mode="before")
    @classmethod
    def _prefix(cls, value: object) -> str:
        text = str(value).strip() or "/"
        text = "/" + text.strip("/") + "/" if text.strip("/") else "/"
        if not _PREFIX.match(text):
            raise ValueError(f"a path such as /ngo/ (letters, digits, . _ ~ -), not {value!r}")
        return text

    @property
    def query_time_limit_s(self) -> float:
        """The query time limit in seconds."""
        return self.query_time_limit_ms / 1000


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (and keyword overrides), or SettingsError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as e:
        first = e.errors()[0]
        name = str(first["loc"][0]).upper() if first.get("loc") else "?"
        reason = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise SettingsError(f"setting {name}: {reason}") from None
