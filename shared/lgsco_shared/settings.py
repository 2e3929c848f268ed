"""Settings: the one reader of environment variables (prefix LGSCO_, `.env` supported).

Every field is documented in the README's configuration table; keep the two in step
(tests/unit/test_settings.py checks that they are).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(RuntimeError):
    """A setting is missing or wrong; the message is one line naming it and what is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LGSCO_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL (postgresql://user:pass@host:5432/db). Unset: embedded server.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL (redis://host:6379/0). Unset: embedded server."
    )
    home: Path = Field(
        default=Path(".lgsco"), description="Data directory for the embedded PostgreSQL and Redis."
    )
    site_url: str = Field(
        default="https://www.lgo.org.uk",
        description="Base URL of the LGSCO site; the only host fetched.",
    )
    requests_per_second: float = Field(
        default=1.0, gt=0, le=50, description="Request rate to the site, shared by all workers."
    )
    contact: str = Field(
        default="ops@example.org",
        description="Contact address sent in the User-Agent so the LGSCO can reach the operator.",
    )
    request_timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds per request.")
    max_retries: int = Field(
        default=5, ge=0, le=20, description="Retries per request after the first try."
    )
    retry_backoff: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="Base seconds of the exponential backoff between retries.",
    )
    crawl_concurrency: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Pages fetched at once by one crawl (keep 1 for the real site).",
    )
    api_host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port the API listens on.")
    require_api_key: bool = Field(
        default=False,
        description="Require a key with scope `read` for decision data and statistics.",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS (JSON list); empty: CORS closed."
    )
    rate_limit_per_minute: int = Field(
        default=600,
        ge=0,
        description="Requests a minute from one client address without a valid key; 0: no limit.",
    )
    rate_limit_per_key_per_minute: int = Field(
        default=3000,
        ge=0,
        description="Requests a minute for one valid API key, from any address; 0: no limit.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Proxy addresses or networks whose X-Forwarded-For is believed (JSON list); "
        "empty: none, not even loopback.",
    )
    search_ranked: int = Field(
        default=1000,
        ge=10,
        le=100_000,
        description="A full-text search ranks the newest this many matches by relevance (the "
        "response's `ranking` says how many matched): ranking every match of a common word "
        "would read a third of the corpus.",
    )
    max_body_bytes: int = Field(
        default=65536,
        ge=1024,
        le=16 * 1024 * 1024,
        description="Largest request body accepted, in bytes; larger is refused with 413.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Log level."
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="`json` (one object a line), `text`, or `auto` (text to a terminal).",
    )
    schedule_enabled: bool = Field(
        default=True,
        description="Run the schedules (GET /v1/schedules) on the worker; false: none runs.",
    )
    schedule_max_requests_per_day: int = Field(
        default=40_000,
        ge=1,
        description="Most requests a day one schedule may be projected to make to the site "
        "(a schedule above it, or above what REQUESTS_PER_SECOND allows in a day, is refused).",
    )
    max_crawl_months: int = Field(
        default=120,
        ge=1,
        le=1200,
        description="Months one crawl may span (API, console, `lgsco crawl`); longer is refused.",
    )
    recheck_days: int = Field(
        default=30, ge=1, le=365, description="Days over which every stored decision is rechecked."
    )
    stale_run_seconds: float = Field(
        default=45.0,
        gt=0,
        le=3600,
        description="Seconds without a heartbeat after which a running run is resumed by another "
        "worker (the heartbeat is sent every quarter of it).",
    )
    parse_max_tags: int = Field(
        default=15_000,
        ge=100,
        le=1_000_000,
        description="Most `<` in a page handed to the parser; more: quarantined unparsed.",
    )
    parse_max_formatting: int = Field(
        default=3_000,
        ge=0,
        description="Most formatting elements (a, b, i, em, strong, font, span...) opened in a "
        "page; more: quarantined unparsed. 0: no ceiling.",
    )
    parse_max_unclosed_formatting: int = Field(
        default=200,
        ge=0,
        description="Most formatting elements a page opens and never closes; more: quarantined "
        "unparsed. 0: no ceiling.",
    )
    parse_max_depth: int = Field(
        default=400,
        ge=0,
        description="Deepest nesting of elements (an estimate) in a page; deeper: quarantined "
        "unparsed. 0: no ceiling.",
    )
    parse_cpu_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="CPU seconds one page may take in the parser process before it is stopped "
        "and the page quarantined.",
    )
    parse_memory_mb: int = Field(
        default=768,
        ge=128,
        le=65536,
        description="Address-space limit of each parser process, in MB.",
    )
    parse_processes: int = Field(
        default=2, ge=1, le=16, description="Parser processes at most (started on first use)."
    )

    console_secret: str | None = Field(
        default=None,
        description="Secret signing the console's form (CSRF) seeds; set the same on every API "
        "replica. Unset: one drawn at start-up (forms open across a restart must be sent again).",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL of this API in links sent to subscribers; unset: http://API_HOST:API_PORT.",
    )
    webhook_allow_http: bool = Field(
        default=False, description="Allow http:// callback URLs (development only)."
    )
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts or addresses callbacks may use even if private or loopback (JSON list).",
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, le=60, description="Seconds a subscriber has to answer one delivery."
    )
    webhook_concurrency: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Deliveries in flight at once on one worker (one per subscription at most).",
    )
    webhook_max_per_key: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description="Active subscriptions one API key may hold.",
    )
    webhook_max_per_host: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Active subscriptions, of all keys, whose callbacks go to one host.",
    )
    webhook_retry_hours: float = Field(
        default=48.0,
        gt=0,
        le=168,
        description="Hours of retries before a subscription is suspended.",
    )

    @field_validator("site_url")
    @classmethod
    def _site_url_is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http(s) URL with a host, like https://www.lgo.org.uk")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: list[str]) -> list[str]:
        import ipaddress

        for entry in value:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an address or network, like 10.0.0.5 or 10.0.0.0/8"
                ) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _database_is_postgres(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = urlsplit(value).scheme
        if not scheme.startswith("postgres"):
            raise ValueError(
                "must be a PostgreSQL URL (postgresql://...); no other database is supported"
            )
        return value

    @field_validator("console_secret")
    @classmethod
    def _console_secret(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if urlsplit(value).scheme not in {"http", "https"}:
            raise ValueError("must be an http(s) URL, like https://decisions.example.gov.uk")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must be a Redis URL (redis://host:6379/0 or unix:///path/redis.sock)")
        return value

    @property
    def api_base_url(self) -> str:
        return (self.public_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def user_agent(self) -> str:
        return f"OmbudsmanDecisionsService/0.1 (+{self.contact}; re-use of LGSCO decisions)"


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings, turning a validation error into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "LGSCO_" + "_".join(str(p) for p in first["loc"]).upper()
        given = first.get("input")
        raise SettingsError(f"{name} is invalid: {first['msg']} (given: {given!r})") from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
