"""Universe endpoints, bulk CSV, request log and stats, concurrency, and the `simulate` command."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import requests

from fmp_elt.simulator import Simulator
from fmp_elt.simulator.ratios import TTM_FIELDS
from tests.fixtures.simulator import fmp_get


def test_screener_filters_sorting_and_paging(fmp_simulator: Simulator) -> None:
    fmp_simulator.warm()
    everything = fmp_get(fmp_simulator, "company-screener").json()
    caps = [r["marketCap"] for r in everything]
    assert caps == sorted(caps, reverse=True)
    universe = fmp_get(
        fmp_simulator,
        "company-screener",
        exchange="NASDAQ",
        isEtf="false",
        isFund="false",
        isActivelyTrading="true",
        limit=10000,
    ).json()
    assert universe
    assert all(
        r["exchangeShortName"] == "NASDAQ" and not r["isEtf"] and not r["isFund"] and r["isActivelyTrading"]
        for r in universe
    )
    assert len(universe) < len([r for r in everything if r["exchangeShortName"] == "NASDAQ"])
    assert fmp_get(fmp_simulator, "company-screener", exchange="NASDAQ Global Select").json() == []
    assert fmp_get(fmp_simulator, "company-screener", marketCapMoreThan="lots").json() == []
    threshold = caps[2]
    assert [
        r["marketCap"] for r in fmp_get(fmp_simulator, "company-screener", marketCapMoreThan=threshold).json()
    ] == caps[:3]
    page = fmp_get(fmp_simulator, "company-screener", page=1, limit=3).json()
    assert [r["symbol"] for r in page] == [r["symbol"] for r in everything[3:6]]


def test_batch_exchange_quote(fmp_simulator: Simulator) -> None:
    short = fmp_get(fmp_simulator, "batch-exchange-quote", key="ultimate-key", exchange="NYSE").json()
    assert short
    assert all(list(r) == ["symbol", "price", "change", "volume"] for r in short)
    long = fmp_get(fmp_simulator, "batch-exchange-quote", key="ultimate-key", exchange="NYSE", short="false").json()
    assert all(len(r) == 17 for r in long)
    assert fmp_get(fmp_simulator, "batch-exchange-quote", key="ultimate-key", exchange="MOON").json() == []


def test_eod_bulk_csv(fmp_simulator: Simulator) -> None:
    response = fmp_get(fmp_simulator, "eod-bulk", key="ultimate-key", date="2026-11-24")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "Content-Length" not in response.headers  # streamed, as FMP does for eod-bulk
    lines = response.text.splitlines()
    assert lines[0] == '"symbol","date","open","low","high","close","adjClose","volume"'
    first = lines[1].split(",")
    assert first[0].startswith('"')
    assert first[1] == '"2026-11-24"'
    assert not first[2].startswith('"')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    symbol = rows[0]["symbol"]
    [bar] = fmp_get(
        fmp_simulator, "historical-price-eod/full", symbol=symbol, **{"from": "2026-11-24", "to": "2026-11-24"}
    ).json()
    assert float(rows[0]["close"]) == bar["close"]
    assert int(rows[0]["volume"]) == bar["volume"]
    holiday = fmp_get(fmp_simulator, "eod-bulk", key="ultimate-key", date="2026-11-26")
    assert holiday.text.splitlines() == [lines[0]]
    assert fmp_get(fmp_simulator, "eod-bulk", key="ultimate-key").status_code == 400


def test_ratios_ttm_bulk_csv(fmp_simulator: Simulator) -> None:
    response = fmp_get(fmp_simulator, "ratios-ttm-bulk", key="ultimate-key")
    header = next(csv.reader(io.StringIO(response.text)))
    assert header == ["symbol", *TTM_FIELDS]
    assert len(response.text.splitlines()) > 1


def test_log_and_stats_record_each_call(fmp_simulator: Simulator) -> None:
    symbol = fmp_simulator.symbols[0]
    fmp_get(fmp_simulator, "ratios", symbol=symbol)
    fmp_get(fmp_simulator, "historical-price-eod/full", symbol=symbol)
    fmp_get(fmp_simulator, "nope")
    log = fmp_simulator.requests_log
    assert [(e.path, e.status, e.key_in_header) for e in log] == [
        ("/stable/ratios", 200, True),
        ("/stable/historical-price-eod/full", 200, True),
        ("/stable/nope", 404, True),
    ]
    assert log[0].query == {"symbol": symbol}
    stats = fmp_simulator.stats
    assert stats.total == 3
    assert stats.by_status == {200: 2, 404: 1}
    assert stats.by_endpoint["ratios"] == 1
    assert stats.by_symbol[symbol] == 2
    assert stats.key_in_query == 0
    fmp_simulator.reset_stats()
    assert fmp_simulator.stats.total == 0
    assert fmp_simulator.requests_log == []


def test_many_concurrent_clients(fmp_simulator: Simulator) -> None:
    def one(i: int) -> int:
        symbol = fmp_simulator.symbols[i % len(fmp_simulator.symbols)]
        return fmp_get(fmp_simulator, "historical-price-eod/full", symbol=symbol).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(one, range(120)))
    assert statuses == [200] * 120
    assert fmp_simulator.stats.total == 120


def test_simulate_command_serves_until_stopped() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from fmp_elt.cli import main; main()",
            "simulate",
            "--port",
            "0",
            "--symbols",
            "5",
            "--key",
            "cli-key",
            "--end",
            "2026-11-25",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline().strip() for _ in range(3)] if process.stdout else []
        base_url = lines[1].removeprefix("FMP_BASE_URL=")
        assert lines[2] == "FMP_API_KEY=cli-key"
        response = requests.get(f"{base_url}/stock-list", headers={"apikey": "cli-key"}, timeout=10)
        assert response.status_code == 200
        assert len(response.json()) == 5
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
