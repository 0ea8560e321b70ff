"""dbt at scale: the incremental run for one new day against a full refresh, at two history sizes.

Raw history is generated in SQL (FMP-shaped as-traded jsonb payloads for N symbols over 1 and 10 years of weekdays,
with a split for every 10th symbol and quarterly dividends for every 4th) in two databases; the marts are built
once; then one day lands for every symbol and `daily_prices` + `daily_ma` and `daily_prices_history` run
incrementally, then with --full-refresh. The incremental run must cost about the same for 10 years of history as
for 1 (it reads the new rows and the few prior rows the moving averages need; the history, the versions of the days
landed); a full refresh grows with the history. Times are dbt's own per-model execution times (without dbt's
start-up).

The full refresh of daily_ma with everything it is built from (staging views, symbol_securities, splits, dividends,
adjustment_factors, daily_prices), from its first node's start to its last node's end, is also set against a lower
bound measured on the same data right after it: the same marts written by hand as plain `create table as`
statements (bench/dbt_bound.py). It must stay within 2x of that bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import psycopg2

from bench import dbt_bound
from bench.env import Warehouse, scratch_dir
from bench.report import Row, verdict
from bench.scale import DAY, DAY_BEFORE, Scale
from fmp_elt.transform_stage import DbtPaths, DbtResult, run_dbt

MODELS = ("daily_prices", "daily_ma")
HISTORY = "daily_prices_history"
RUN_ID = "00000000-0000-0000-0000-00000000b0b0"

# One row per (symbol, weekday) in [first, last]: deterministic prices, FMP's keys and number types.
_GENERATE = """
with symbols as (
    select i, 'S' || lpad(i::text, 5, '0') as symbol from generate_series(1, %(symbols)s) as i
), days as (
    select d::date as day, row_number() over (order by d) as n
    from generate_series(%(first)s::date, %(last)s::date, interval '1 day') as d
    where extract(isodow from d) < 6
), bars as (
    select symbol, day, round((40 + i %% 50 + 8 * sin(n / 23.0 + i))::numeric, 2) as close,
        round((40 + i %% 50 + 8 * sin((n - 1) / 23.0 + i))::numeric, 2) as open, 1000000 + (i * n) %% 900000 as volume
    from symbols cross join days
)
insert into {table} (symbol, payload, _run_id, _endpoint, _loaded_at)
select symbol, {payload}, %(run_id)s, %(endpoint)s, now() - %(age)s::interval from bars
"""
# as FMP's `non-split-adjusted` answers them: the as-traded bar under `adj*` names
_PRICES = """jsonb_build_object('symbol', symbol, 'date', day::text, 'adjOpen', open,
    'adjHigh', greatest(open, close) + 0.5, 'adjLow', least(open, close) - 0.5, 'adjClose', close, 'volume', volume)"""
TABLES = (("raw.fmp_prices", _PRICES, "historical-price-eod/non-split-adjusted"),)

# Corporate actions over the history: a 2-for-1 split for every 10th symbol in the middle of it, a quarterly
# dividend (every 63rd weekday) for every 4th, so that the factors and their re-adjustment have work to do.
_ACTIONS = """
with symbols as (
    select i, 'S' || lpad(i::text, 5, '0') as symbol from generate_series(1, %(symbols)s) as i
), days as (
    select d::date as day, row_number() over (order by d) as n, count(*) over () as total
    from generate_series(%(first)s::date, %(last)s::date, interval '1 day') as d
    where extract(isodow from d) < 6
)
insert into {table} (symbol, payload, _run_id, _endpoint, _loaded_at)
select symbol, {payload}, %(run_id)s, %(endpoint)s, now() - interval '1 day'
from symbols cross join days
where {where}
"""
ACTIONS = (
    (
        "raw.fmp_splits",
        "jsonb_build_object('symbol', symbol, 'date', day::text, 'numerator', 2, 'denominator', 1)",
        "splits",
        "i %% 10 = 0 and n = total / 2",
    ),
    (
        "raw.fmp_dividends",
        "jsonb_build_object('symbol', symbol, 'date', day::text, 'dividend', 0.25, 'adjDividend', 0.25)",
        "dividends",
        "i %% 4 = 0 and n %% 63 = 0",
    ),
)


def land_actions(url: str, symbols: int, first: object, last: object) -> int:
    """Land the history's splits and dividends (see ACTIONS)."""
    conn = psycopg2.connect(url)
    rows = 0
    try:
        with conn, conn.cursor() as cur:
            for table, payload, endpoint, where in ACTIONS:
                params = {"symbols": symbols, "first": first, "last": last, "run_id": RUN_ID, "endpoint": endpoint}
                cur.execute(_ACTIONS.format(table=table, payload=payload, where=where), params)
                rows += cur.rowcount
    finally:
        conn.close()
    return rows


def land(url: str, symbols: int, first: object, last: object, age: str) -> int:
    """Land one FMP-shaped row per symbol and weekday in both raw price tables, `age` ago."""
    conn = psycopg2.connect(url)
    rows = 0
    try:
        with conn, conn.cursor() as cur:
            for table, payload, endpoint in TABLES:
                params = {
                    "symbols": symbols,
                    "first": first,
                    "last": last,
                    "run_id": RUN_ID,
                    "endpoint": endpoint,
                    "age": age,
                }
                cur.execute(_GENERATE.format(table=table, payload=payload), params)
                rows += cur.rowcount
    finally:
        conn.close()
    return rows


def land_history(url: str, symbols: int, first: object, last: object) -> int:
    """Land the history with the raw indexes dropped and rebuilt after (the same definitions): several times
    faster than maintaining them row by row, and it ends in the same state. Only the set-up is sped up."""
    tables = [table.split(".")[1] for table, _, _ in TABLES]
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "select indexname, indexdef from pg_indexes where schemaname = 'raw' and tablename = any(%s)", (tables,)
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f"drop index raw.{name}")
        rows = land(url, symbols, first, last, "1 day")
        with conn, conn.cursor() as cur:
            cur.execute("set maintenance_work_mem = '512MB'")
            for _, definition in indexes:
                cur.execute(definition)
    finally:
        conn.close()
    return rows


def settle(url: str, *tables: str) -> None:
    """What autovacuum does between two daily runs: summarize BRIN ranges, refresh planner statistics.

    Without it, freshly generated history is one unsummarized BRIN range and tables dbt just created have no
    statistics, and the first run after would scan whole tables: true once after a backfill, not daily.
    """
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for table in tables:
                cur.execute(f"vacuum analyze {table}")
    finally:
        conn.close()


def succeeded(result: DbtResult) -> DbtResult:
    if not result.ok:
        raise RuntimeError(f"dbt failed: {result.summary()}\n{result.output[-2000:]}")
    return result


def model_seconds(result: DbtResult, models: tuple[str, ...] = MODELS) -> float:
    return sum(node.seconds for node in succeeded(result).nodes if node.name.split(".")[-1] in models)


def wall_seconds(result: DbtResult) -> float:
    """From the first node's start to the last one's end: what the run took without dbt's start-up. The
    staging views are built at once on dbt's threads, so their times overlap and do not add up."""
    nodes = succeeded(result).nodes
    starts = [node.started_at for node in nodes if node.started_at]
    ends = [node.completed_at for node in nodes if node.completed_at]
    return (max(ends) - min(starts)).total_seconds()


@dataclass
class History:
    years: int
    raw_rows: int
    incremental_s: float
    full_refresh_s: float
    mart_rows: int
    history_incremental_s: float
    history_full_refresh_s: float
    chain_full_refresh_s: float  # daily_ma and everything it is built from, staging views included: wall time
    bound_s: float


def measure(warehouse: Warehouse, paths: DbtPaths, symbols: int, years: int) -> History:
    url = warehouse.database_again("dbt")  # each history on a fresh one; dbt's parse is kept between them
    first = DAY_BEFORE - timedelta(days=round(365.25 * years)) + timedelta(days=1)
    raw_rows = land_history(url, symbols, first, DAY_BEFORE)
    land_actions(url, symbols, first, DAY_BEFORE)
    settle(url, *(table for table, _, _ in TABLES), *(table for table, _, _, _ in ACTIONS))
    selected = ["--select", *MODELS, HISTORY]
    model_seconds(run_dbt(["run", "--select", f"+{MODELS[-1]}", f"+{HISTORY}"], url, paths))  # the first build
    settle(url, *(f"marts.{model}" for model in (*MODELS, HISTORY)))
    land(url, symbols, DAY, DAY, "0 s")
    incremental = run_dbt(["run", *selected], url, paths)
    # the full refresh of daily_ma with all it depends on, as `fmp-elt transform --full-refresh` runs it;
    # the history's on its own, so that neither shares the two cores with the other
    full = run_dbt(["run", "--select", f"+{MODELS[-1]}", "--full-refresh"], url, paths)
    history_full = run_dbt(["run", "--select", HISTORY, "--full-refresh"], url, paths)
    chain_s = wall_seconds(full)
    bound_s, bound_rows = dbt_bound.build(url)
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from marts.daily_ma where price_date = %s", (DAY,))
            new_day = cur.fetchone()[0]
            for table, rows in bound_rows.items():
                cur.execute(f"select count(*) from marts.{table}")
                held = cur.fetchone()[0]
                if held != rows:
                    raise RuntimeError(f"the lower bound's {table} holds {rows} rows, marts.{table} {held}")
    finally:
        conn.close()
    if new_day != symbols:
        raise RuntimeError(f"daily_ma holds {new_day} rows for the new day, expected {symbols}")
    return History(
        years,
        raw_rows,
        model_seconds(incremental),
        model_seconds(full),
        new_day,
        model_seconds(incremental, (HISTORY,)),
        model_seconds(history_full, (HISTORY,)),
        chain_s,
        bound_s,
    )


def run(warehouse: Warehouse, scale: Scale) -> list[Row]:
    with scratch_dir() as dbt_home:
        paths = DbtPaths.under(dbt_home)
        short, long = [measure(warehouse, paths, scale.dbt_symbols, years) for years in scale.dbt_years]
    growth = long.incremental_s / short.incremental_s
    history_growth = long.raw_rows / short.raw_rows
    rows = []
    for h in (short, long):
        rows.append(
            Row(
                f"dbt daily_prices+daily_ma, {h.years} y history: incremental (1 new day)",
                f"{h.incremental_s:.2f} s",
                f"full refresh {h.full_refresh_s:.2f} s",
                f"{h.incremental_s / h.full_refresh_s:.1%}",
                "",
                f"{scale.dbt_symbols:,} symbols, {h.raw_rows:,} raw rows",
            ),
        )
    rows.append(
        Row(
            f"dbt incremental cost, {long.years} y vs {short.years} y history",
            f"{long.incremental_s:.2f} s vs {short.incremental_s:.2f} s",
            f"full refresh x{long.full_refresh_s / short.full_refresh_s:.1f}",
            f"x{growth:.2f}",
            verdict(growth <= 1.5, "flat: <= 1.5x"),
            f"history x{history_growth:.1f}",
        ),
    )
    for h in (short, long):
        rows.append(
            Row(
                f"dbt {HISTORY}, {h.years} y history: incremental (1 new day)",
                f"{h.history_incremental_s:.2f} s",
                f"full refresh {h.history_full_refresh_s:.2f} s",
                f"{h.history_incremental_s / h.history_full_refresh_s:.1%}",
                "",
                f"{scale.dbt_symbols:,} symbols, {h.raw_rows:,} raw rows",
            ),
        )
    for h in (short, long):
        ratio = h.chain_full_refresh_s / h.bound_s
        rows.append(
            Row(
                f"dbt full refresh of daily_ma and its upstream, {h.years} y history, vs plain SQL",
                f"{h.chain_full_refresh_s:.2f} s",
                f"lower bound (create table as) {h.bound_s:.2f} s",
                f"x{ratio:.2f}",
                # the check is on the long history, where the full refresh is long; on the short one dbt's
                # fixed cost per model (about 0.25 s for each staging view) is a large part of a few seconds
                verdict(ratio <= 2.0, "<= 2x of the bound") if h is long else "",
                f"{scale.dbt_symbols:,} symbols, {h.raw_rows:,} raw rows",
            ),
        )
    history_growth_s = long.history_incremental_s / short.history_incremental_s
    rows.append(
        Row(
            f"dbt {HISTORY} incremental cost, {long.years} y vs {short.years} y history",
            f"{long.history_incremental_s:.2f} s vs {short.history_incremental_s:.2f} s",
            f"full refresh x{long.history_full_refresh_s / short.history_full_refresh_s:.1f}",
            f"x{history_growth_s:.2f}",
            verdict(history_growth_s <= 1.5, "flat: <= 1.5x"),
            f"history x{history_growth:.1f}",
        ),
    )
    return rows
