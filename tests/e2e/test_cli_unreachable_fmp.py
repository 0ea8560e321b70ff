"""An FMP base URL that cannot be reached ends the run at once with one line naming it; a malformed DATABASE_URL
is a configuration error. Both exit 2, neither shows the key or the password, and nothing lands."""

from __future__ import annotations

import pytest

from tests.e2e.test_cli_bad_input import assert_one_line_error, fmp_elt
from tests.fixtures.ports import free_port
from tests.fixtures.postgres import query, scalar

KEY = "canary-fmp-key-4471"


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        (f"http://127.0.0.1:{free_port()}/stable", "connection refused"),
        ("http://fmp-elt-test.invalid/stable", "does not resolve"),  # .invalid never resolves (RFC 6761)
    ],
    ids=["closed-port", "unresolvable-host"],
)
def test_an_unreachable_fmp_ends_the_extract_with_exit_2_and_one_line(database_url, base_url, reason) -> None:
    done = fmp_elt("extract", "symbols", FMP_BASE_URL=base_url, FMP_API_KEY=KEY, DATABASE_URL=database_url)
    assert_one_line_error(done, base_url, reason, "FMP_BASE_URL")
    assert KEY not in done.stdout + done.stderr
    assert scalar(database_url, "select count(*) from raw.fmp_symbols") == 0
    # the run log says the same thing as the terminal
    ((status, message),) = query(database_url, "select status, error_message from etl.executions")
    assert status == "failed"
    assert base_url in message
    assert KEY not in message


def test_an_unreachable_fmp_stops_a_multi_symbol_extract_too(database_url) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/stable"
    done = fmp_elt(
        "extract", "prices", "--symbols", "AAPL,MSFT,IBM,GOOG", FMP_BASE_URL=base_url, FMP_API_KEY=KEY,
        DATABASE_URL=database_url,
    )  # fmt: skip
    assert_one_line_error(done, base_url, "connection refused")
    assert scalar(database_url, "select count(*) from etl.stream_failures") == 0  # not four symbol failures


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("garbage", "not a URL"),
        ("mysql://root:secret-pw@db.example.com/fmp", "'mysql'"),
        ("host=localhost password=secret-pw dbname=fmp", "not a URL"),
        ("postgresql://fmp:secret-pw@db.example.com:54x2/fmp", "port"),
        ("postgresql://fmp:secret-pw@db.example.com/fmp?sslmod=require", "invalid URI query parameter"),
        ("postgresql://fmp:secret-pw%zz@db.example.com/fmp", "percent-encoded"),
    ],
    ids=["garbage", "wrong-scheme", "key-value-string", "bad-port", "unknown-parameter", "bad-escape"],
)
def test_a_malformed_database_url_is_a_configuration_error(url, fragment) -> None:
    done = fmp_elt("extract", "symbols", DATABASE_URL=url, FMP_API_KEY=KEY)
    assert_one_line_error(done, "DATABASE_URL", fragment)
    assert "secret-pw" not in done.stderr
    assert "run again to resume" not in done.stderr  # nothing was ever connected


@pytest.mark.parametrize("command", [("status",), ("db", "url")], ids=" ".join)
def test_every_command_refuses_a_malformed_database_url(command) -> None:
    assert_one_line_error(fmp_elt(*command, DATABASE_URL="garbage"), "DATABASE_URL", "not a URL")


@pytest.mark.parametrize("base_url", ["http://fmp.example.com:99999/stable", "https:///stable"], ids=["port", "host"])
def test_a_base_url_that_cannot_be_called_is_a_configuration_error(base_url) -> None:
    assert_one_line_error(fmp_elt("db", "url", FMP_BASE_URL=base_url), "FMP_BASE_URL")
