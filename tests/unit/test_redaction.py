"""The redaction rule, by worked examples: what is masked, what is kept."""

from __future__ import annotations

import io
import json
import logging

import pytest

from fmp_elt.redaction import MASK, redact, redact_data, redact_environment, redact_log_records

ENV = {
    "FMP_API_KEY": "sk-live-0123456789abcdef",
    "DATABASE_URL": "postgresql://etl:p%40ss%2Fw0rd!@db.internal:5432/warehouse?sslpassword=tls-secret-1",
    "SMTP_PASSWORD": "mail-pass-42",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T01/B02/hooktoken99",
    "ETL_API_TOKEN": "bearer-token-77",
    "FMP_BASE_URL": "https://financialmodelingprep.com/stable",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # URL credentials and query values, whatever the URL
        ("GET http://u:pw@example.com/a?apikey=abc&x=1 failed", "GET http://***@example.com/a?apikey=***&x=*** failed"),
        ("url: /stable?apikey=url-canary//historical-price-eod/full", "url: /stable?apikey=***"),
        ("ftp://me:a@b@host/file", "ftp://***@host/file"),
        # configured secrets, wherever they appear
        ("header apikey: sk-live-0123456789abcdef", "header apikey: ***"),
        ("login with mail-pass-42 refused", "login with *** refused"),
        ("token=bearer-token-77", "token=***"),
        ("posting to /services/T01/B02/hooktoken99", f"posting to {MASK}"),
        ("password p@ss/w0rd! rejected", "password *** rejected"),  # DATABASE_URL's password, decoded
        ("sslpassword tls-secret-1", "sslpassword ***"),  # a query value of DATABASE_URL
        # what is not a secret stays
        ("cannot reach https://financialmodelingprep.com/stable: timed out", None),
        ("connected to db.internal:5432/warehouse as etl", None),
        ("prices for AAPL from 2024-01-02", None),
    ],
)
def test_the_rule_masks_credentials_and_keeps_the_rest(text: str, expected: str | None) -> None:
    assert redact(text, ENV) == (text if expected is None else expected)


def test_secrets_are_masked_as_they_read_inside_json_and_in_data() -> None:
    env = {"SMTP_PASSWORD": 'quote"and\\slash'}
    document = json.dumps({"error": f"login {env['SMTP_PASSWORD']} refused"})
    assert json.loads(redact(document, env)) == {"error": "login *** refused"}
    data = {"calls": 3, "trace": ["x", f"at {env['SMTP_PASSWORD']}"], ("k"): (1, "a?key=v")}
    assert redact_data(data, env) == {"calls": 3, "trace": ["x", "at ***"], "k": (1, "a?key=***")}


def test_a_value_too_short_to_be_a_credential_is_not_masked_everywhere() -> None:
    assert redact("the key k is unknown", {"FMP_API_KEY": "k"}) == "the key k is unknown"


def test_a_job_environment_is_shown_without_its_credentials() -> None:
    shown = redact_environment(
        {
            "FMP_API_KEY": "x",
            "DATABASE_URL": "postgresql://u:secret-pw@h/db",
            "FMP_SYMBOLS": "AAPL,MSFT",
            "OTHER_URL": "http://h/p?token=abcdef",
        }
    )
    assert shown == {
        "FMP_API_KEY": "***",
        "DATABASE_URL": "postgresql://***@h/db",
        "FMP_SYMBOLS": "AAPL,MSFT",
        "OTHER_URL": "http://h/p?token=***",
    }


def test_log_records_are_redacted_whoever_logs_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "mail-pass-42")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("urllib3.test-redaction")
    logger.addHandler(handler)
    previous = logging.getLogRecordFactory()
    try:
        redact_log_records()
        redact_log_records()  # twice is once
        logger.warning("GET %s failed", "https://u:pw@h/x?apikey=abcdef")
        try:
            raise RuntimeError("login with mail-pass-42 refused")
        except RuntimeError:
            logger.exception("alert via %s failed", "email")
    finally:
        logging.setLogRecordFactory(previous)
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert output.splitlines()[0] == "GET https://***@h/x?apikey=*** failed"
    assert "RuntimeError: login with *** refused" in output
    assert "mail-pass-42" not in output
    assert "abcdef" not in output
