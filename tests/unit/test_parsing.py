"""FMP's body dialect: arrays, empty bodies, error objects behind a 200, CSV with JSON refusals."""

from __future__ import annotations

import pytest

from fmp_elt.fmp.errors import FmpAuthError, FmpErrorObject, FmpMalformedResponse, FmpRateLimited
from fmp_elt.fmp.parsing import parse_csv, parse_json_list


def test_empty_list_and_empty_body_are_no_data() -> None:
    assert parse_json_list(b"[]", "ratios") == []
    assert parse_json_list(b"  \n", "ratios") == []


def test_error_object_on_200_is_classified() -> None:
    with pytest.raises(FmpAuthError):
        parse_json_list(b'{"Error Message": "Invalid API KEY. Feel free to create a Free API Key"}', "quote")
    with pytest.raises(FmpRateLimited):
        parse_json_list(b'{"Error Message": "Limit Reach . Please upgrade your plan"}', "quote")
    with pytest.raises(FmpErrorObject):
        parse_json_list(b'{"error": "something else"}', "quote")


def test_truncated_json_is_malformed_and_retriable() -> None:
    with pytest.raises(FmpMalformedResponse) as raised:
        parse_json_list(b'[{"symbol": "AAPL", "date": "2024-01-0', "historical-price-eod/full")
    assert raised.value.retriable


def test_bulk_csv_is_read_by_header_name() -> None:
    header = b'"symbol","date","open","low","high","close","adjClose","volume"\n'
    body = header + b'"AAPL","2025-10-22",1.5,1.0,2.0,1.8,1.8,1000\n'
    assert parse_csv(body, "eod-bulk") == [
        {
            "symbol": "AAPL",
            "date": "2025-10-22",
            "open": "1.5",
            "low": "1.0",
            "high": "2.0",
            "close": "1.8",
            "adjClose": "1.8",
            "volume": "1000",
        }
    ]


def test_bulk_throttle_is_a_json_object_on_a_csv_endpoint() -> None:
    with pytest.raises(FmpRateLimited):
        parse_csv(b'{"Error Message": "Limit Reach. This is a bulk endpoint that provides ..."}', "eod-bulk")


def test_nan_and_infinity_become_null_so_the_record_can_still_land() -> None:
    rows = parse_json_list(b'[{"date": "2024-01-02", "close": NaN, "open": Infinity, "low": -Infinity}]', "x")
    assert rows == [{"date": "2024-01-02", "close": None, "open": None, "low": None}]
