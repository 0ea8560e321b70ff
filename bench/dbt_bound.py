"""A lower bound for the full refresh of marts.daily_prices and marts.daily_ma: what plain SQL takes.

One `create table as` per mart into a scratch schema, written by hand for the benchmark's clean data: the
latest landed version of each key by one sort of each raw table, JSON read with plain casts (no guards against
drifted records), no contract, no primary key, no index, no dbt. It produces the marts' columns and rows (the
benchmark checks the counts), so the dbt full refresh can be read as a multiple of it.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg2
import yaml

from fmp_elt import bundled

SCHEMA = "bench_bound"


def _latest(table: str, columns: str) -> str:
    return f"""
    select distinct on (symbol, price_date) *
    from (
        select coalesce(symbol, payload ->> 'symbol') as symbol, payload_date as price_date,
            {columns}, _loaded_at, _seq
        from {table}
    ) as landed
    where symbol is not null and price_date is not null
    order by symbol, price_date, _loaded_at desc, _seq desc"""


_NUMBERS = ("open", "high", "low", "close", "vwap", "change")

DAILY_PRICES = f"""
create table {SCHEMA}.daily_prices as
with prices as ({_latest("raw.fmp_prices", "payload, _endpoint")}
), adjusted as ({_latest("raw.fmp_prices_adjusted", "(payload ->> 'adjClose')::numeric as adj_close")}
)
select
    prices.symbol,
    prices.price_date,
    {", ".join(f"(prices.payload ->> '{key}')::numeric as {key}" for key in _NUMBERS)},
    (prices.payload ->> 'changePercent')::numeric as change_percent,
    coalesce(adjusted.adj_close, (prices.payload ->> 'adjClose')::numeric) as adj_close,
    (prices.payload ->> 'volume')::bigint as volume,
    prices._endpoint as price_source,
    prices._loaded_at as _prices_loaded_at,
    adjusted._loaded_at as _adjusted_loaded_at,
    greatest(prices._loaded_at, adjusted._loaded_at) as _loaded_at,
    coalesce(periods.security_id, prices.symbol) as security_id
from prices
left join adjusted on adjusted.symbol = prices.symbol and adjusted.price_date = prices.price_date
left join marts.symbol_securities as periods
    on periods.symbol = prices.symbol
    and prices.price_date >= periods.valid_from
    and prices.price_date < periods.valid_to
"""


def daily_ma(windows: list[int]) -> str:
    averages = ",\n    ".join(
        f"case when count(close) over last_{n} = {n} then trim_scale(avg(close) over last_{n}) end as sma_{n}"
        for n in windows
    )
    frames = ",\n    ".join(
        f"last_{n} as (partition by symbol order by price_date rows {n - 1} preceding)" for n in windows
    )
    return f"""
create table {SCHEMA}.daily_ma as
select symbol, price_date, close,
    {averages},
    _loaded_at
from {SCHEMA}.daily_prices
window {frames}
"""


def sma_windows(project: Path | None = None) -> list[int]:
    """The moving-average windows the dbt project is configured with (its `sma_windows` var)."""
    document = yaml.safe_load(((project or bundled.dbt_project_dir()) / "dbt_project.yml").read_text())
    return [int(n) for n in document["vars"]["sma_windows"]]


def build(url: str) -> tuple[float, dict[str, int]]:
    """Build both tables afresh; the seconds the two statements took and the rows of each."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"drop schema if exists {SCHEMA} cascade")
            cur.execute(f"create schema {SCHEMA}")
        started = time.perf_counter()
        with conn, conn.cursor() as cur:
            cur.execute(DAILY_PRICES)
            cur.execute(daily_ma(sma_windows()))
        seconds = time.perf_counter() - started
        rows = {}
        with conn, conn.cursor() as cur:
            for table in ("daily_prices", "daily_ma"):
                cur.execute(f"select count(*) from {SCHEMA}.{table}")
                rows[table] = int(cur.fetchone()[0])
            cur.execute(f"drop schema {SCHEMA} cascade")
    finally:
        conn.close()
    return seconds, rows
