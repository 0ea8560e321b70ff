"""One ticker grammar: the CLI's symbol lists, the API's symbol paths and the `symbols` quality suite agree."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from fmp_elt import tickers
from fmp_elt.config import parse_symbols
from fmp_elt.errors import ConfigError
from fmp_elt.quality.rules import Matches
from fmp_elt.quality.suites import DATASETS, TableFacts
from fmp_elt.serve.api import create_app

VALID = ["AAPL", "BRK-B", "BF.B", "^GSPC", "EURUSD=X", "0700.HK", "A" * 20]
INVALID = ["AAPL;DROP", "-A", ".B", "A B", "A" * 21, "ÄPPL", "AAPL/X", "^^^^", "^", "A^B", "^" + "A" * 20]


def suite_pattern() -> str:
    facts = TableFacts(exists=True, column_types={"symbol": "text"}, as_of=datetime(2026, 1, 5, 22, tzinfo=UTC))
    [rule] = [r for r in DATASETS["symbols"].rules(facts) if isinstance(r, Matches) and r.column == "symbol"]
    return rule.pattern


@pytest.mark.parametrize("symbol", VALID)
def test_a_ticker_passes_everywhere(symbol: str) -> None:
    assert parse_symbols(symbol.lower()) == [symbol.upper()]
    assert re.match(suite_pattern(), symbol)
    assert re.match(tickers.ANY_CASE_PATTERN, symbol.lower())


@pytest.mark.parametrize("symbol", INVALID)
def test_a_non_ticker_fails_everywhere(symbol: str) -> None:
    with pytest.raises(ConfigError, match="not a ticker"):
        parse_symbols(symbol)
    assert not re.match(suite_pattern(), symbol)
    assert not re.match(tickers.ANY_CASE_PATTERN, symbol)


def test_the_api_path_takes_the_same_grammar() -> None:
    document = create_app("postgresql://nobody@127.0.0.1:1/none", jobs=[]).openapi()
    [param] = [p for p in document["paths"]["/api/prices/{symbol}"]["get"]["parameters"] if p["name"] == "symbol"]
    assert param["schema"]["pattern"] == tickers.ANY_CASE_PATTERN
