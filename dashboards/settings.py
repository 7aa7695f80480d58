"""The app's settings: one object, read from the environment once, handed to `create_app`.

Every variable is optional and documented in the README's configuration table (a test checks
it). A value that cannot be read stops the app at start-up with a one-line reason naming the
variable, rather than being guessed: `DEBUG=False` is off, `DEBUG=maybe` is an error, and only
`1`, `true`, `yes` or `on` turn Dash's debug mode (and the Werkzeug console) on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

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
    # The shared result cache (issue 14, dashboards/redis_cache.py): this Redis, else REDIS_URL's;
    # "off" keeps each process's cache to itself even where Celery uses Redis.
    cache_redis_url: str | None = None
    cache_ttl_s: int = Field(24 * 3600, ge=1)  # every shared entry expires (volatile-lru friendly)
    duckdb_memory_limit: str = "512MB"
    background_cache_dir: Path = ROOT / "data" / ".cache" / "background"
    dash_url_base_pathname: str = "/"
    # Every warehouse query runs under a time limit and a row cap (as datasette does).
    query_time_limit_ms: int = Field(10_000, ge=10)
    query_max_rows: int = Field(100_000, ge=1)
    # Data downloads (CSV/Excel) may return more rows: an Excel sheet holds 1,048,576 (one header).
    export_max_rows: int = Field(1_048_575, ge=1)
    # Who sees what (issue 13, dashboards/auth.py): demo (everything, no sign-in, demo data
    # only), public (no sign-in, no internal field anywhere) or internal (sign-in, roles).
    access_mode: Literal["demo", "public", "internal"] = "demo"
    # Signs the session cookie (internal mode needs one; 32+ characters, kept secret).
    secret_key: str | None = Field(None, repr=False)
    # Without SECRET_KEY: a random key made once and kept here (0600), so that every worker
    # process of this host signs alike (a per-process key broke packs under 2 gunicorn workers).
    secret_key_file: Path = ROOT / "data" / ".secret_key"
    session_cookie_secure: Annotated[bool, NoDecode] = True  # off only for plain-http tests
    accounts_path: Path = ROOT / "data" / "accounts.json"  # local accounts, outside the warehouse
    audit_log_path: Path = ROOT / "data" / "audit.jsonl"  # sign-ins, row-level downloads
    # Loading from the browser (dashboards/uploads.py): the most one upload may hold, and the
    # private folder its files are staged in (default: `uploads/` beside the warehouse).
    upload_max_mb: int = Field(50, ge=1, le=4096)
    upload_dir: Path | None = None
    oidc_issuer: str | None = None  # e.g. https://login.example.org/ (its discovery document)
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = Field(None, repr=False)
    oidc_role_claim: str = "roles"  # the ID token / userinfo claim holding groups or roles
    # Claim value → role, e.g. "ngo-admins=admin,ngo-analysts=analyst,staff=viewer".
    oidc_role_map: str = ""
    # The monthly digest (issue 12): where `--send` mails it.
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: Annotated[bool, NoDecode] = False
    digest_from: str | None = None
    digest_to: str | None = None  # comma-separated addresses

    @field_validator("debug", "session_cookie_secure", "smtp_starttls", mode="before")
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

    @field_validator("access_mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        return "demo" if value is None or not str(value).strip() else str(value).strip().lower()

    @field_validator(
        "redis_url",
        "cache_redis_url",
        "secret_key",
        "oidc_issuer",
        "oidc_client_id",
        "oidc_client_secret",
        "smtp_host",
        "smtp_user",
        "smtp_password",
        "digest_from",
        "digest_to",
        "upload_dir",
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

    @field_validator("oidc_role_map")
    @classmethod
    def _role_map(cls, value: str) -> str:
        for pair in filter(None, (p.strip() for p in value.split(","))):
            claim, _, role = pair.rpartition("=")
            if not claim.strip() or role.strip() not in ("viewer", "analyst", "admin"):
                raise ValueError(f"pairs claim=viewer|analyst|admin, not {pair!r}")
        return value

    @property
    def role_map(self) -> dict[str, str]:
        """The OIDC claim value → role mapping of OIDC_ROLE_MAP."""
        pairs = (p.rpartition("=") for p in self.oidc_role_map.split(",") if p.strip())
        return {claim.strip(): role.strip() for claim, _, role in pairs}

    @property
    def cache_redis(self) -> str | None:
        """The Redis URL of the shared result cache (None: each process caches alone)."""
        if self.cache_redis_url and self.cache_redis_url.strip().lower() == "off":
            return None
        return self.cache_redis_url or self.redis_url

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
