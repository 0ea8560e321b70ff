"""The one redaction rule for text that leaves the process or is stored.

Applied to log lines, the run log (messages, errors, tracebacks), API bodies, the static site and alerts:

- a URL's credentials (`user:password@`) and every query value (`?apikey=...`) become `***`;
- the value of every configured secret (`SECRET_VARIABLES`) becomes `***`, wherever it appears, also as it reads
  inside JSON and percent-encoded in a URL.

The secrets are read from the environment on each call, so a job's own `environment:` is covered too.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

MASK = "***"

# Variables whose values are credentials. For the URLs, the parts that are secret are masked too, on their own.
SECRET_VARIABLES = (
    "FMP_API_KEY",
    "FMP_BASE_URL",
    "DATABASE_URL",
    "SMTP_PASSWORD",
    "SLACK_WEBHOOK_URL",
    "ETL_API_TOKEN",
)
URL_VARIABLES = ("FMP_BASE_URL", "DATABASE_URL")
# Shorter values are masked only inside URLs: replacing a three-letter value everywhere would garble every
# message, and no credential worth the name is that short.
MIN_SECRET_LENGTH = 6

# Greedy up to the last `@` of the authority: a password may hold an `@` of its own.
USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)[^\s/?#'\"<>\\]+@")
QUERY_VALUE = re.compile(r"(?P<key>[?&;][^\s=&#?;'\"<>\\]+=)[^\s&#;'\"<>\\]+")

T = TypeVar("T")


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """`text` with URL credentials, query values and configured secrets replaced by `***`."""
    text = USERINFO.sub(rf"\g<scheme>{MASK}@", text)
    text = QUERY_VALUE.sub(rf"\g<key>{MASK}", text)
    for secret in configured_secrets(env):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_data(value: T, env: Mapping[str, str] | None = None) -> T:
    """Every string in a JSON-like value (dicts, lists, tuples) redacted; keys too, other values as they are."""
    if isinstance(value, str):
        return redact(value, env)  # type: ignore[return-value]
    if isinstance(value, Mapping):
        return {redact(str(k), env): redact_data(v, env) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, list | tuple):
        return type(value)(redact_data(v, env) for v in value)  # type: ignore[return-value]
    return value


def redact_environment(variables: Mapping[str, str]) -> dict[str, str]:
    """Variables as they may be shown: a credential's value masked whole (a URL's address kept), others redacted."""
    shown = {}
    for name, value in variables.items():
        if name in SECRET_VARIABLES and name not in URL_VARIABLES:
            shown[name] = MASK
        elif name in URL_VARIABLES:
            shown[name] = redact(value, {name: value})
        else:
            shown[name] = redact(value, {**os.environ, **variables})
    return shown


def redact_log_records() -> None:
    """From now on every log record is redacted as it is made, whoever logs it (urllib3 logs URLs with their
    query) and wherever it goes (the console, the run log)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: logging reports it later
            return record
        shown = redact(message)
        if shown != message:
            record.msg, record.args = shown, None
        if record.exc_info:  # handlers print exc_text when it is set instead of formatting the traceback
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configured_secrets(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    env = os.environ if env is None else env
    return _secrets(tuple((name, env.get(name) or "") for name in SECRET_VARIABLES))


@lru_cache(maxsize=8)
def _secrets(values: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    found: set[str] = set()
    for name, value in values:
        value = value.strip()
        if not value:
            continue
        if name in URL_VARIABLES:  # the address is no secret, its credentials are
            found.update(_url_secrets(value))
        else:
            found.add(value)
            if name == "SLACK_WEBHOOK_URL":  # a webhook's path is its token
                found.update(_url_secrets(value, with_path=True))
    forms = {form for secret in found for form in _forms(secret) if len(form) >= MIN_SECRET_LENGTH}
    return tuple(sorted(forms, key=len, reverse=True))  # longest first: a secret that contains another goes whole


def _url_secrets(url: str, with_path: bool = False) -> set[str]:
    """The parts of a URL that are credentials: its password, its query values, and a webhook's path."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return set()
    found = {value for _, _, value in (pair.partition("=") for pair in re.split("[&;]", parts.query)) if value}
    if password:
        found.add(password)
    if with_path and parts.path.strip("/"):
        found.add(parts.path)
    return found


def _forms(secret: str) -> set[str]:
    """How a secret can read in text: as is, percent-decoded, percent-encoded, inside a JSON string."""
    forms = {secret, unquote(secret), quote(secret, safe="")}
    return forms | {json.dumps(form)[1:-1] for form in forms}
