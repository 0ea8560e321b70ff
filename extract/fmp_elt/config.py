"""Settings read from the environment (every variable: docs/reference/configuration.md), validated once."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from fmp_elt.errors import ConfigError
from fmp_elt.redaction import redact
from fmp_elt.tickers import is_ticker

DEFAULT_BASE_URL = "https://financialmodelingprep.com/stable"


@dataclass(frozen=True)
class Plan:
    """What an FMP subscription allows: its rate limit, history depth and gated endpoints."""

    name: str
    calls_per_minute: int | None
    calls_per_day: int | None
    history_years: int
    has_bulk: bool
    has_screener: bool
    # FMP cuts a key off once it used this many bytes over a trailing 30 days (None: no cap known)
    bandwidth_cap_bytes: int | None = None

    @property
    def rate_per_minute(self) -> int:
        """The per-minute budget the limiter uses (Basic's daily quota spread over a minute window)."""
        return self.calls_per_minute or 5


GB = 1_000_000_000  # FMP states its caps in GB; decimal is the smaller reading, so the alert comes no later

PLANS: dict[str, Plan] = {
    "basic": Plan("basic", None, 250, 5, has_bulk=False, has_screener=False),
    "starter": Plan("starter", 300, None, 5, has_bulk=False, has_screener=True, bandwidth_cap_bytes=20 * GB),
    "premium": Plan("premium", 750, None, 30, has_bulk=False, has_screener=True, bandwidth_cap_bytes=50 * GB),
    "ultimate": Plan("ultimate", 3000, None, 30, has_bulk=True, has_screener=True, bandwidth_cap_bytes=150 * GB),
}


def plan_from_env(env: Mapping[str, str] | None = None) -> Plan:
    """The plan FMP_PLAN names (default starter); a name that is no plan is a ConfigError."""
    env = os.environ if env is None else env
    plan_name = env.get("FMP_PLAN", "starter").strip().lower()
    if plan_name not in PLANS:
        raise ConfigError(f"FMP_PLAN={plan_name!r} is not a plan; use one of {', '.join(PLANS)}")
    return PLANS[plan_name]


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where fmp-elt keeps local state (the embedded PostgreSQL, the built site)."""
    env = os.environ if env is None else env
    override = env.get("FMP_ELT_HOME")
    return Path(override) if override else Path(platformdirs.user_data_dir("fmp-elt"))


def usable_dir(path: Path, what: str) -> Path:
    """`path` as a folder this user can write in, created when missing; anything else is a ConfigError
    (a file in the way, another user's folder, a path under /proc)."""
    if path.parts[:1] == ("~",):  # the default home, with neither HOME nor a password-file entry to expand it
        raise ConfigError(f"{what}: there is no home folder (HOME is not set); set FMP_ELT_HOME to a folder")
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{what} {str(path)!r} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{what} {str(path)!r} cannot be used as a folder: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"{what} {str(path)!r} is not a folder this user can write in")
    return path


@dataclass(frozen=True)
class Settings:
    """Everything the pipeline reads from its environment."""

    api_key: str | None = field(repr=False)
    base_url: str
    plan: Plan
    rate_limit_per_minute: int
    database_url: str | None = field(repr=False)
    home: Path
    bulk_interval_s: float = 30.0  # FMP throttles bulk endpoints apart; 2 calls a minute stays clear of it
    symbols: tuple[str, ...] = ()  # an explicit universe instead of the screener (FMP_SYMBOLS)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        plan = plan_from_env(env)
        rate = plan.rate_per_minute
        raw_rate = env.get("FMP_RATE_LIMIT", "").strip()
        if raw_rate:
            try:
                rate = int(raw_rate)
            except ValueError:
                raise ConfigError(f"FMP_RATE_LIMIT={raw_rate!r} is not a whole number of calls per minute") from None
            if rate <= 0:
                raise ConfigError(f"FMP_RATE_LIMIT must be positive, got {rate}")
        base_url = check_base_url(env.get("FMP_BASE_URL", DEFAULT_BASE_URL).strip().rstrip("/"))
        bulk_interval = _positive_float(env, "FMP_BULK_INTERVAL", 30.0)
        symbols = tuple(parse_symbols(env["FMP_SYMBOLS"])) if env.get("FMP_SYMBOLS", "").strip() else ()
        return cls(
            api_key=env.get("FMP_API_KEY") or None,
            base_url=base_url,
            plan=plan,
            rate_limit_per_minute=rate,
            database_url=check_database_url(env.get("DATABASE_URL", "").strip()) or None,
            home=data_dir(env),
            bulk_interval_s=bulk_interval,
            symbols=symbols,
        )

    def require_api_key(self) -> str:
        if not self.api_key:
            raise ConfigError("FMP_API_KEY is not set; export your FMP key (or run `fmp-elt demo`)")
        return self.api_key


def check_base_url(url: str) -> str:
    """FMP_BASE_URL: http(s) with a host and, if any, a numeric port; anything else could only fail later.

    A query string or `user:password@` is refused: the key travels in a header, and the endpoint path would be
    appended after the query. The URL is only ever shown redacted."""
    shown = redact(url)
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"FMP_BASE_URL={shown!r} must start with http:// or https://")
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket
        raise ConfigError(f"FMP_BASE_URL={shown!r} is not a URL") from None
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ConfigError(f"FMP_BASE_URL={shown!r} has a port that is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise ConfigError(f"FMP_BASE_URL={shown!r} names no host")
    if "@" in parts.netloc:
        raise ConfigError(f"FMP_BASE_URL={shown!r} holds credentials; set the key in FMP_API_KEY instead")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise ConfigError(
            f"FMP_BASE_URL={shown!r} has a query string; give the bare base URL and the key in FMP_API_KEY"
        )
    return url


POSTGRES_SCHEMES = ("postgresql", "postgres")
DATABASE_URL_FORM = "postgresql://user:password@host:5432/dbname"


def check_database_url(url: str) -> str:
    """DATABASE_URL must be a libpq URL; dbt and Great Expectations take its parts, so a key=value string or
    another scheme is refused here rather than failing halfway. The value is never echoed: it holds a password."""
    if not url:
        return url
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise ConfigError(f"DATABASE_URL is not a URL; expected {DATABASE_URL_FORM}")
    if scheme.lower() not in POSTGRES_SCHEMES:
        shown = scheme if scheme.isalnum() and len(scheme) <= 20 else "?"
        raise ConfigError(f"DATABASE_URL has the scheme {shown!r}, not postgresql; expected {DATABASE_URL_FORM}")
    try:
        urlsplit(url).port  # noqa: B018 - parsing the port is the check
    except ValueError:  # a port that is not a number, or an unclosed IPv6 bracket
        raise ConfigError(
            f"DATABASE_URL has a host or port that cannot be read; expected {DATABASE_URL_FORM}"
        ) from None
    return url


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} is not a finite number of seconds")
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {value}")
    return value


SHOWN_INPUT = 24  # an echoed bad value is cut to this: enough to recognise, never a screenful


def parse_symbols(text: str) -> list[str]:
    """`AAPL, msft` -> ['AAPL', 'MSFT']; anything that cannot be a ticker is a usage error."""
    symbols = [part.strip().upper() for part in text.split(",") if part.strip()]
    bad = [s for s in symbols if not is_ticker(s)]
    if bad:
        shown = bad[0] if len(bad[0]) <= SHOWN_INPUT else bad[0][: SHOWN_INPUT - 3] + "..."
        raise ConfigError(f"not a ticker symbol: {shown!r} (letters, digits, '.', '-', a leading '^', '=')")
    if not symbols:
        raise ConfigError("the symbol list is empty")
    return list(dict.fromkeys(symbols))
