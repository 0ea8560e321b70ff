"""A lower bound for the full refresh of marts.daily_ma and the marts it is built from: what plain SQL takes.

One `create table as` per mart of the chain (splits, dividends, adjustment_factors, daily_prices, daily_ma) into a
scratch schema, written by hand for the benchmark's clean data: the latest landed version of each key by one sort
of each raw table, JSON read with plain casts (as-traded `non-split-adjusted` records only, no guards against
drifted records), no contract, no primary key, no index, no dbt. It computes what the marts compute: the as-traded
bars times the cumulative split and dividend factors (`1 - dividend / previous close`), the adjusted series, the
total return index and both moving averages; it produces the marts' rows (the benchmark checks the counts), so
the dbt full refresh can be read as a multiple of it.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg2
import yaml

from fmp_elt import bundled

SCHEMA = "bench_bound"


def _latest(table: str, columns: str, key: str = "", key_expression: str = "") -> str:
    """The latest landed version of each (symbol, date[, key]) of a raw table, by one sort (`key_expression`:
    the key column's expression over the raw row)."""
    return f"""
    select distinct on (symbol, price_date{key}) *
    from (
        select coalesce(symbol, payload ->> 'symbol') as symbol, payload_date as price_date,
            {columns}, min(_loaded_at) over (
                partition by coalesce(symbol, payload ->> 'symbol'), payload_date{key_expression}
            ) as first_loaded_at, _loaded_at, _seq
        from {table}
    ) as landed
    where symbol is not null and price_date is not null
    order by symbol, price_date{key}, _loaded_at desc, _seq desc"""


SPLITS = f"""
create table {SCHEMA}.splits as
select symbol, price_date as split_date, numerator, denominator, numerator / nullif(denominator, 0) as split_ratio,
    first_loaded_at, _loaded_at
from ({
    _latest(
        "raw.fmp_splits",
        "(payload ->> 'numerator')::numeric as numerator, (payload ->> 'denominator')::numeric as denominator",
    )
}) as latest
"""

# the clean data lands each ex-date once, so the newest landing's amounts are all the latest versions
DIVIDENDS = f"""
create table {SCHEMA}.dividends as
with latest as ({
    _latest(
        "raw.fmp_dividends",
        "(payload ->> 'dividend')::numeric as dividend, (payload ->> 'adjDividend')::numeric as fmp_adj_dividend",
        ", dividend",
        ", (payload ->> 'dividend')::numeric",
    )
}
), later_splits as (
    select latest.symbol, latest.price_date, latest.dividend, exp(sum(ln(splits.split_ratio))) as ratio
    from latest
    join {SCHEMA}.splits as splits
        on splits.symbol = latest.symbol and splits.split_date > latest.price_date and splits.split_ratio > 0
    group by latest.symbol, latest.price_date, latest.dividend
)
select latest.symbol, latest.price_date as ex_date, latest.dividend,
    trim_scale(round(latest.dividend / coalesce(later_splits.ratio, 1), 10)) as adj_dividend,
    latest.fmp_adj_dividend, latest.first_loaded_at, latest._loaded_at
from latest
left join later_splits using (symbol, price_date, dividend)
"""

# the previous session's close and the first session on or after each event: an index probe each, as dbt's
ADJUSTMENT_FACTORS = f"""
create table {SCHEMA}.adjustment_factors as
with events as (
    select coalesce(s.symbol, d.symbol) as symbol, coalesce(s.split_date, d.ex_date) as event_date,
        s.split_ratio, d.dividend, greatest(s._loaded_at, d._loaded_at) as actions_loaded_at,
        greatest(s.first_loaded_at, d.first_loaded_at) as known_at
    from (select * from {SCHEMA}.splits where split_ratio > 0) as s
    full join (
        select symbol, ex_date, sum(dividend) as dividend, min(first_loaded_at) as first_loaded_at,
            max(_loaded_at) as _loaded_at
        from {SCHEMA}.dividends where dividend > 0 group by symbol, ex_date
    ) as d on d.symbol = s.symbol and d.ex_date = s.split_date
), factors as (
    select events.symbol, events.event_date, events.split_ratio, events.dividend, previous.close as previous_close,
        greatest(events.known_at, since._loaded_at) as known_at,
        coalesce(trim_scale(1 / events.split_ratio), 1) as split_factor,
        case
            when events.dividend is null or previous.close is null then 1
            when previous.close * coalesce(1 / events.split_ratio, 1) <= events.dividend then 1
            else trim_scale(1 - events.dividend / (previous.close * coalesce(1 / events.split_ratio, 1)))
        end as dividend_factor,
        greatest(events.actions_loaded_at, previous._loaded_at, since._loaded_at) as row_loaded_at
    from events
    left join lateral (
        select (raw.payload ->> 'adjClose')::numeric as close, raw._loaded_at
        from raw.fmp_prices as raw
        where coalesce(raw.symbol, raw.payload ->> 'symbol') = events.symbol and raw.payload_date < events.event_date
        order by raw.payload_date desc, raw._loaded_at desc, raw._seq desc
        limit 1
    ) as previous on true
    join lateral (
        select raw._loaded_at
        from raw.fmp_prices as raw
        where coalesce(raw.symbol, raw.payload ->> 'symbol') = events.symbol and raw.payload_date >= events.event_date
        order by raw.payload_date, raw._loaded_at desc, raw._seq desc
        limit 1
    ) as since on true
), cumulative as (
    select symbol, row_number() over by_date as event_number, lag(event_date) over by_date as applies_from,
        event_date as applies_to, event_date, split_ratio, dividend, previous_close, known_at, split_factor,
        dividend_factor,
        trim_scale(round(exp(sum(ln(split_factor)) over later_first), 16)) as split_multiplier,
        trim_scale(round(exp(sum(ln(dividend_factor)) over later_first), 16)) as dividend_multiplier,
        max(row_loaded_at) over later_first as _loaded_at
    from factors
    window by_date as (partition by symbol order by event_date),
        later_first as (partition by symbol order by event_date desc rows unbounded preceding)
), rows as (
    select * from cumulative
    union all
    (
        select distinct on (symbol) symbol, event_number + 1, event_date, null::date, null::date, null::numeric,
            null::numeric, null::numeric, null::timestamptz, 1::numeric, 1::numeric, 1::numeric, 1::numeric,
            _loaded_at
        from cumulative
        order by symbol, event_date desc
    )
)
select rows.*, first_value(dividend_multiplier) over (
    partition by symbol order by applies_from nulls first
) as dividend_multiplier_total
from rows
"""

DAILY_PRICES = f"""
create table {SCHEMA}.daily_prices as
with prices as ({_latest("raw.fmp_prices", "payload, _endpoint")}
), traded as (
    select symbol, price_date,
        (payload ->> 'adjOpen')::numeric as traded_open, (payload ->> 'adjHigh')::numeric as traded_high,
        (payload ->> 'adjLow')::numeric as traded_low, (payload ->> 'adjClose')::numeric as traded_close,
        (payload ->> 'volume')::bigint as traded_volume, _endpoint as price_source, _loaded_at as _prices_loaded_at
    from prices
), adjusted as (
    select traded.*, traded_close - traded_open as traded_change,
        trim_scale((traded_high + traded_low + traded_close) / 3) as traded_vwap,
        trim_scale(100 * (traded_close - traded_open) / nullif(traded_open, 0)) as change_percent,
        coalesce(f.split_multiplier, 1) as sm, coalesce(f.dividend_multiplier, 1) as dm,
        coalesce(f.dividend_multiplier_total, 1) as dmt, f._loaded_at as _factors_loaded_at
    from traded
    left join {SCHEMA}.adjustment_factors as f
        on f.symbol = traded.symbol
        and (f.applies_from is null or traded.price_date >= f.applies_from)
        and (f.applies_to is null or traded.price_date < f.applies_to)
)
select a.symbol, a.price_date,
    trim_scale(traded_open * sm) as open, trim_scale(traded_high * sm) as high, trim_scale(traded_low * sm) as low,
    trim_scale(traded_close * sm) as close, trim_scale(traded_close * sm * dm) as adj_close,
    round(traded_volume / sm)::bigint as volume, trim_scale(traded_vwap * sm) as vwap,
    trim_scale(traded_change * sm) as change, change_percent,
    traded_open, traded_high, traded_low, traded_close, traded_volume, traded_vwap, traded_change,
    trim_scale(traded_open * sm * dm) as adj_open, trim_scale(traded_high * sm * dm) as adj_high,
    trim_scale(traded_low * sm * dm) as adj_low,
    trim_scale(round(traded_close * sm * dm / dmt, 12)) as total_return_index,
    trim_scale(sm) as split_multiplier, trim_scale(dm) as dividend_multiplier,
    price_source, _prices_loaded_at, _factors_loaded_at,
    greatest(_prices_loaded_at, _factors_loaded_at) as _loaded_at,
    coalesce(periods.security_id, a.symbol) as security_id
from adjusted as a
left join marts.symbol_securities as periods
    on periods.symbol = a.symbol and a.price_date >= periods.valid_from and a.price_date < periods.valid_to
"""


def daily_ma(windows: list[int]) -> str:
    averages = ",\n    ".join(
        f"case when count({column}) over last_{n} = {n} then trim_scale(avg({column}) over last_{n}) end"
        f" as {prefix}sma_{n}"
        for n in windows
        for column, prefix in (("close", ""), ("adj_close", "adj_"))
    )
    frames = ",\n    ".join(
        f"last_{n} as (partition by symbol order by price_date rows {n - 1} preceding)" for n in windows
    )
    return f"""
create table {SCHEMA}.daily_ma as
select symbol, price_date, close, adj_close,
    {averages},
    _loaded_at
from {SCHEMA}.daily_prices
window {frames}
"""


def sma_windows(project: Path | None = None) -> list[int]:
    """The moving-average windows the dbt project is configured with (its `sma_windows` var)."""
    document = yaml.safe_load(((project or bundled.dbt_project_dir()) / "dbt_project.yml").read_text())
    return [int(n) for n in document["vars"]["sma_windows"]]


TABLES = ("splits", "dividends", "adjustment_factors", "daily_prices", "daily_ma")


# what must agree row for row between the marts and the bound (after the timing): keys and the computed values
SAME_CONTENT = {
    "adjustment_factors": "symbol, applies_from, applies_to, split_multiplier, dividend_multiplier,"
    " dividend_multiplier_total",
    "daily_prices": "symbol, price_date, traded_close, close, adj_close, volume, total_return_index",
    "daily_ma": "symbol, price_date, close, adj_close",
}


def differing_rows(cur: psycopg2.extensions.cursor) -> dict[str, int]:
    """Rows of each mart in SAME_CONTENT that the bound's table does not hold with the same values."""
    differing = {}
    for table, columns in SAME_CONTENT.items():
        cur.execute(
            f"select count(*) from (select {columns} from marts.{table}"
            f" except all select {columns} from {SCHEMA}.{table}) as missing"
        )
        differing[table] = int(cur.fetchone()[0])
    return differing


def build(url: str) -> tuple[float, dict[str, int]]:
    """Build the chain's tables afresh, in dependency order; the seconds the statements took and each's rows."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"drop schema if exists {SCHEMA} cascade")
            cur.execute(f"create schema {SCHEMA}")
        started = time.perf_counter()
        with conn, conn.cursor() as cur:
            for statement in (SPLITS, DIVIDENDS, ADJUSTMENT_FACTORS, DAILY_PRICES, daily_ma(sma_windows())):
                cur.execute(statement)
        seconds = time.perf_counter() - started
        rows = {}
        with conn, conn.cursor() as cur:
            for table in TABLES:
                cur.execute(f"select count(*) from {SCHEMA}.{table}")
                rows[table] = int(cur.fetchone()[0])
            differing = {table: n for table, n in differing_rows(cur).items() if n}
            if differing:
                raise RuntimeError(f"the lower bound computes other values than the marts: {differing} rows differ")
            cur.execute(f"drop schema {SCHEMA} cascade")
    finally:
        conn.close()
    return seconds, rows
