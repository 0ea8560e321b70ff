"""Price anomalies in the status: the API's /api/anomalies (counts per kind, newest first, per symbol) and the
lines `fmp-elt status` prints."""

from __future__ import annotations

import psycopg2
import requests

from fmp_elt.serve.api import create_app
from tests.fixtures.ops import cli, serve

ROWS = (
    ("MSFT", "2013-01-15", "price_spike", "close 35.1 after 27.0 (30.0%), back the next session"),
    ("GOOG", "2011-07-15", "large_move", "close 597.62 after 528.94 (13.0%)"),
    ("GOOG", "2011-03-01", "split_mismatch", "as-traded/adjusted factor steps by 1 across the split, which says 3:1"),
)


def plant(url: str) -> None:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "create schema if not exists marts;"
                " create table marts.price_anomalies (symbol text, price_date date, anomaly text, detail text)"
            )
            cur.executemany("insert into marts.price_anomalies values (%s, %s, %s, %s)", ROWS)
    finally:
        conn.close()


def get(base: str, **params: str) -> dict:
    response = requests.get(base + "/api/anomalies", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_api_counts_anomalies_by_kind_and_lists_the_newest_first(database_url: str) -> None:
    with serve(create_app(database_url)) as base:
        assert get(base) == {"total": 0, "byKind": {}, "anomalies": []}  # before the first build
        plant(database_url)
        found = get(base)
        assert found["total"] == 3
        assert found["byKind"] == {"large_move": 1, "price_spike": 1, "split_mismatch": 1}
        assert [(a["symbol"], a["priceDate"]) for a in found["anomalies"]] == [
            ("MSFT", "2013-01-15"),
            ("GOOG", "2011-07-15"),
            ("GOOG", "2011-03-01"),
        ]
        goog = get(base, symbol="goog", limit="1")
        assert goog["total"] == 2
        assert [a["anomaly"] for a in goog["anomalies"]] == ["large_move"]
        assert requests.get(base + "/api/anomalies", params={"limit": "0"}, timeout=30).status_code == 422


def test_status_prints_the_anomalies(database_url: str) -> None:
    plant(database_url)
    result = cli("status", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "price anomalies: 3 (large_move 1, price_spike 1, split_mismatch 1)" in result.stdout
    assert "2013-01-15  MSFT    price_spike" in result.stdout
