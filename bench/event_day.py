"""What a day with splits and dividends costs the daily update, against a quiet day measured in the same run.

Per event count (none, then two counts of planted events), a warehouse holds every symbol's prices up to the day
before and its marts are built; the simulator then announces N splits and M dividends of distinct symbols
effective today; the daily `symbols` and `prices` jobs run (Premium, per-symbol calls, the limit lifted: the
calls are counted here, the time against the limit is the daily benchmark's) and the marts update incrementally
(`dbt run --select +daily_ma`, the chain that re-adjusts; timed: dbt's own times of adjustment_factors, daily_prices
and daily_ma). An event costs a check call (the dividend-adjusted overlap) for each
symbol it touches, a split also the as-traded window around it (corporate_actions, to reconcile the split), and
the re-adjustment of that symbol's held days; no history is read again, and nothing grows with the rest of the
warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import psycopg2

from bench.dbt_scale import model_seconds, settle
from bench.env import SimSpec, SimulatorProcess, Warehouse, scratch_dir
from bench.extraction import DAILY_STREAMS, UNLIMITED, prepare_cursors, run_streams, simulator_size
from bench.report import Row, verdict
from bench.scale import DAY, DAY_BEFORE, Scale
from fmp_elt.transform_stage import DbtPaths, run_dbt

SEED = 42
TRADED_ENDPOINT = "historical-price-eod/non-split-adjusted"
CHECK_ENDPOINT = "historical-price-eod/dividend-adjusted"
CHAIN = "+daily_ma"
MARTS = ("adjustment_factors", "daily_prices", "daily_ma")
# (splits, dividends) planted on the day: a quiet day, then two counts four times apart
EVENT_COUNTS = ((0, 0), (2, 4), (8, 16))


@dataclass
class EventDay:
    splits: int  # planted
    dividends: int
    touched: int  # symbols with a split or a dividend dated today, planted or the simulator's own
    symbols: int
    traded_calls: int
    check_calls: int
    total_calls: int
    dbt_s: float  # the incremental run of the marts that re-adjust (MARTS), dbt's own model times
    readjusted_rows: int  # daily_prices rows of days before today given new factors by the run
    by_endpoint: dict[str, int]
    refetched: int  # symbols whose history a series read again whole


def _held_symbols(url: str) -> list[str]:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select distinct symbol from marts.daily_prices order by symbol")
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def _now(url: str) -> object:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select now()")
            return cur.fetchone()[0]
    finally:
        conn.close()


def _after_run(url: str, since: object) -> tuple[int, int]:
    """Symbols with an action dated today, and the earlier days of daily_prices given factors landed `since`."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "select count(distinct symbol) from ("
                " select symbol from marts.splits where split_date = %(day)s"
                " union select symbol from marts.dividends where ex_date = %(day)s) as touched",
                {"day": DAY},
            )
            touched = int(cur.fetchone()[0])
            cur.execute(
                "select count(*) from marts.daily_prices"
                " where price_date < %(day)s and _factors_loaded_at >= %(since)s",
                {"day": DAY, "since": since},
            )
            readjusted = int(cur.fetchone()[0])
    finally:
        conn.close()
    return touched, readjusted


def measure(warehouse: Warehouse, scale: Scale, paths: DbtPaths, splits: int, dividends: int) -> EventDay:
    start = DAY - timedelta(days=scale.daily_history_days)
    spec = SimSpec(
        n_symbols=simulator_size(scale.daily_symbols, SEED, start, DAY),
        start=start,
        end=DAY,
        plan="premium",
        latency_ms=scale.latency_ms,
        enforce_rate_limit=False,
        today=DAY,
        seed=SEED,
    )
    url = warehouse.database_again("events")  # each count on a fresh one; dbt's parse is kept between them
    with scratch_dir() as home:
        prepare_cursors(spec, url, home, DAY_BEFORE)
        model_seconds(run_dbt(["run", "--select", CHAIN], url, paths))  # yesterday's marts
        settle(url, "raw.fmp_prices", "raw.fmp_splits", "raw.fmp_dividends", "marts.daily_prices", "marts.daily_ma")
        held = _held_symbols(url)
        since = _now(url)
        with SimulatorProcess(spec) as sim:
            for symbol in held[:splits]:
                sim.apply_split(symbol, DAY)
            for symbol in held[splits : splits + dividends]:
                sim.add_dividend(symbol, DAY)
            settings = sim.settings(home, rate_limit=UNLIMITED)
            run = run_streams(settings, url, DAILY_STREAMS, DAY)
            stats = sim.stats()
        dbt_s = model_seconds(run_dbt(["run", "--select", CHAIN], url, paths), MARTS)
    if run.failures:
        raise RuntimeError(f"the daily run with {splits} splits and {dividends} dividends had {run.failures} failures")
    touched, readjusted = _after_run(url, since)
    by_endpoint = stats["by_endpoint"]
    return EventDay(
        splits,
        dividends,
        touched,
        run.summaries[0].rows_landed,
        int(by_endpoint.get(TRADED_ENDPOINT, 0)),
        int(by_endpoint.get(CHECK_ENDPOINT, 0)),
        int(stats["total"]),
        dbt_s,
        readjusted,
        {endpoint: int(n) for endpoint, n in by_endpoint.items()},
        sum(len(summary.refetched) for summary in run.summaries),
    )


def run(warehouse: Warehouse, scale: Scale) -> list[Row]:
    with scratch_dir() as dbt_home:
        paths = DbtPaths.under(dbt_home)
        quiet, *eventful = [measure(warehouse, scale, paths, *counts) for counts in EVENT_COUNTS]
    rows = [
        Row(
            "event day: a quiet day (nothing planted)",
            f"{quiet.total_calls:,} calls, dbt {quiet.dbt_s:.2f} s",
            f"{quiet.symbols:,} symbols",
            f"{quiet.traded_calls / quiet.symbols:.3f} price calls per symbol",
            verdict(quiet.traded_calls == quiet.symbols, "one as-traded call per symbol"),
            f"{quiet.check_calls} check calls ({quiet.touched} symbols with the simulator's own events today); "
            f"{quiet.refetched} refetched; {quiet.readjusted_rows:,} earlier rows re-adjusted",
        )
    ]
    for day in eventful:
        extra_calls = day.total_calls - quiet.total_calls
        extra = ", ".join(
            f"+{n - quiet.by_endpoint.get(endpoint, 0)} {endpoint}"
            for endpoint, n in sorted(day.by_endpoint.items())
            if n != quiet.by_endpoint.get(endpoint, 0)
        )
        extra_touched = day.touched - quiet.touched
        rows.append(
            Row(
                f"event day: {day.splits} splits and {day.dividends} dividends",
                f"+{extra_calls:,} calls, dbt {day.dbt_s:.2f} s",
                f"quiet day: {quiet.total_calls:,} calls, dbt {quiet.dbt_s:.2f} s",
                f"+{extra_calls / extra_touched:.2f} calls per symbol touched" if extra_touched else "",
                verdict(
                    day.refetched == 0 and extra_calls == extra_touched + day.splits,
                    "no history refetched; one check per symbol touched, one split window per split",
                ),
                f"{day.touched} symbols touched; calls: {extra or 'none extra'}; {day.refetched} refetched; "
                f"{day.readjusted_rows:,} earlier rows re-adjusted; {day.symbols:,} symbols held",
            )
        )
    small, large = eventful
    extra_rows_ratio = (large.readjusted_rows - quiet.readjusted_rows) / max(
        1, small.readjusted_rows - quiet.readjusted_rows
    )
    extra_ratio = (large.total_calls - quiet.total_calls) / max(1, small.total_calls - quiet.total_calls)
    touched_ratio = (large.touched - quiet.touched) / max(1, small.touched - quiet.touched)
    dbt_ratio = (large.dbt_s - quiet.dbt_s) / (small.dbt_s - quiet.dbt_s) if small.dbt_s > quiet.dbt_s else 0.0
    rows.append(
        Row(
            f"event day: {large.splits + large.dividends} events vs {small.splits + small.dividends}",
            f"re-adjusted rows above the quiet day x{extra_rows_ratio:.1f} "
            f"({small.readjusted_rows - quiet.readjusted_rows:+,}, "
            f"{large.readjusted_rows - quiet.readjusted_rows:+,}), "
            f"extra calls x{extra_ratio:.1f}",
            f"symbols touched x{touched_ratio:.1f}",
            f"extra dbt time x{dbt_ratio:.1f}" if dbt_ratio else "",
            "",
            f"dbt above the quiet day: {small.dbt_s - quiet.dbt_s:+.2f} s and {large.dbt_s - quiet.dbt_s:+.2f} s",
        )
    )
    return rows
