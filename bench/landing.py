"""Landing speed: the extractor's RawLander against a plain COPY of the same payloads, execute_values and dlt.

Every method lands the same FMP price records (rendered by the simulator) in batches of the same size, one
transaction per batch, into an empty table, in interleaved rounds; the best round of each counts (on a shared
machine the best round is the one least disturbed by others). The baselines get their payloads already
serialized to JSON text, untimed; the RawLander starts from the parsed records a stream hands it, encoded by
worker threads as in the extractor.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import psycopg2
import psycopg2.extras

from bench.env import Warehouse
from bench.report import Row, number, percent, verdict
from bench.scale import DAY, Scale
from fmp_elt.simulator import SimulatorConfig
from fmp_elt.simulator.market_state import Market
from fmp_elt.streams.base import Cursor, CursorUpdate, Landing, UnitResult
from fmp_elt.warehouse.landing import RawLander

ENDPOINT = "historical-price-eod/full"
BATCH_ROWS = 20_000
SHAPED = "bench.raw_prices_copy"  # raw.fmp_prices' columns, defaults and indexes
BARE = "bench.jsonb_only"  # one jsonb column, nothing else


def price_results(rows: int) -> list[UnitResult]:
    """About `rows` records of `historical-price-eod/full`, one unit result (and cursor) per symbol."""
    start = DAY - timedelta(days=round(365.25 * 5))
    market = Market(SimulatorConfig(n_symbols=max(8, rows // 1000 + 8), start=start, end=DAY))
    results, total = [], 0
    for symbol in market.symbols:
        series = market.series(symbol)
        if series is None:
            continue
        records = series.full_records(series.window(start, DAY, cap=5000))[: rows - total]
        cursor = CursorUpdate("prices", symbol, Cursor(DAY, date.fromisoformat(records[-1]["date"]), {}))
        results.append(UnitResult(landings=[Landing("raw.fmp_prices", ENDPOINT, symbol, records)], cursors=[cursor]))
        total += len(records)
        if total >= rows:
            break
    return results


def batches(lines: list[str]) -> list[str]:
    return ["".join(lines[i : i + BATCH_ROWS]) for i in range(0, len(lines), BATCH_ROWS)]


class Methods:
    """The ways of landing the same records, each into its own empty table."""

    def __init__(self, url: str, results: list[UnitResult]) -> None:
        self.url = url
        self.results = results
        self.run_id = str(uuid.uuid4())
        self.records = [(landing.symbol, r) for res in results for landing in res.landings for r in landing.records]
        payloads = [json.dumps(r, separators=(",", ":")) for _, r in self.records]
        escaped = [p.replace("\\", "\\\\") for p in payloads]
        self.shaped_batches = batches(
            [f"{s}\t{p}\t{self.run_id}\t{ENDPOINT}\n" for (s, _), p in zip(self.records, escaped, strict=True)]
        )
        self.bare_batches = batches([p + "\n" for p in escaped])
        self.values = [(s, p, self.run_id, ENDPOINT) for (s, _), p in zip(self.records, payloads, strict=True)]
        self.conn = psycopg2.connect(url)
        with self.conn, self.conn.cursor() as cur:
            cur.execute("create schema if not exists bench")
            cur.execute(f"create table {SHAPED} (like raw.fmp_prices including all)")
            cur.execute(f"create table {BARE} (payload jsonb not null)")

    @property
    def rows(self) -> int:
        return len(self.records)

    def close(self) -> None:
        self.conn.close()

    def empty(self, *tables: str) -> None:
        with self.conn, self.conn.cursor() as cur:
            cur.execute(f"truncate {', '.join(tables)}")
        with self.conn.cursor() as cur:
            self.conn.autocommit = True
            cur.execute(f"vacuum {', '.join(tables)}")
            self.conn.autocommit = False

    def lander(self) -> None:
        """As the extractor runs it: worker threads encode each result, the calling thread lands batches."""
        lander = RawLander(self.conn, self.run_id, BATCH_ROWS)
        with ThreadPoolExecutor(max_workers=4) as pool:
            for prepared in pool.map(lander.prepare, self.results):
                lander.add(prepared)
        lander.flush()

    def copy_shaped(self) -> None:
        self._copy(f"copy {SHAPED} (symbol, payload, _run_id, _endpoint) from stdin", self.shaped_batches)

    def copy_bare(self) -> None:
        self._copy(f"copy {BARE} (payload) from stdin", self.bare_batches)

    def _copy(self, sql: str, chunks: list[str]) -> None:
        for chunk in chunks:
            with self.conn, self.conn.cursor() as cur:
                cur.copy_expert(sql, io.StringIO(chunk))

    def execute_values(self) -> None:
        sql = f"insert into {SHAPED} (symbol, payload, _run_id, _endpoint) values %s"
        for i in range(0, len(self.values), BATCH_ROWS):
            with self.conn, self.conn.cursor() as cur:
                psycopg2.extras.execute_values(
                    cur, sql, self.values[i : i + BATCH_ROWS], template="(%s, %s::jsonb, %s::uuid, %s)", page_size=1000
                )


def timed(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def dlt_rates(url: str, records: list[dict]) -> dict[str, float] | None:
    """dlt's Postgres load of the same records (rows/s per loader file format); None when dlt is not installed."""
    try:
        import dlt
    except ImportError:
        return None
    from urllib.parse import quote

    from fmp_elt.warehouse.connection import connection_parts

    parts = connection_parts(url)
    # dlt wants a password and a host name; a Unix socket directory goes in the query, as libpq reads it.
    socket = parts["host"].startswith("/")
    host = "localhost" if socket else parts["host"]
    credentials = (
        f"postgresql://{quote(parts['user'])}:{quote(parts['password'] or 'unused')}@{host}:{parts['port']}/"
        f"{parts['dbname']}" + (f"?host={quote(parts['host'])}" if socket else "")
    )
    rates = {}
    with tempfile.TemporaryDirectory(prefix="fmp-elt-bench-dlt-") as folder:
        for file_format in ("insert_values", "csv"):
            pipeline = dlt.pipeline(
                pipeline_name=f"bench_{file_format}",
                destination=dlt.destinations.postgres(credentials=credentials),
                dataset_name=f"bench_dlt_{file_format}",
                pipelines_dir=folder,
            )
            seconds = timed(lambda p=pipeline, f=file_format: p.run(records, table_name="prices", loader_file_format=f))
            rates[file_format] = len(records) / seconds
    return rates


def run(warehouse: Warehouse, scale: Scale) -> list[Row]:
    url = warehouse.database("landing")
    methods = Methods(url, price_results(scale.landing_rows))
    plan: dict[str, tuple[Callable[[], None], tuple[str, ...]]] = {
        "lander": (methods.lander, ("raw.fmp_prices", "etl.stream_state")),
        "copy_shaped": (methods.copy_shaped, (SHAPED,)),
        "copy_bare": (methods.copy_bare, (BARE,)),
        "execute_values": (methods.execute_values, (SHAPED,)),
    }
    best: dict[str, float] = {}
    try:
        for round_no in range(scale.landing_rounds):
            for name, (action, tables) in plan.items():
                if name == "execute_values" and round_no > 0:
                    continue  # far slower; one round says enough
                methods.empty(*tables)
                best[name] = max(best.get(name, 0.0), methods.rows / timed(action))
    finally:
        methods.close()
    dlt = dlt_rates(url, [r for _, r in methods.records])
    return rows(best, dlt, methods.rows, scale)


def rows(best: dict[str, float], dlt: dict[str, float] | None, count: int, scale: Scale) -> list[Row]:
    lander, shaped, bare = best["lander"], best["copy_shaped"], best["copy_bare"]
    size = f"{count:,} price records, batches of {BATCH_ROWS:,}, best of {scale.landing_rounds}"
    out = [
        Row(
            "landing: RawLander into raw.fmp_prices",
            number(lander, "rows/s"),
            f"plain COPY, same table: {number(shaped, 'rows/s')}",
            percent(lander / shaped),
            verdict(lander >= 0.8 * shaped, ">= 80% of plain COPY"),
            size,
        ),
        Row(
            "landing: RawLander vs COPY into a bare jsonb table",
            number(lander, "rows/s"),
            f"plain COPY, jsonb only: {number(bare, 'rows/s')}",
            percent(lander / bare),
            "",
            size,
        ),
        Row(
            "landing: psycopg2 execute_values, same table",
            number(best["execute_values"], "rows/s"),
            f"RawLander: {number(lander, 'rows/s')}",
            f"RawLander x{lander / best['execute_values']:.1f}",
            "",
            f"{count:,} records, 1 round",
        ),
    ]
    if dlt is None:
        out.append(Row("landing: dlt", "skipped: dlt not installed", "pip install -e '.[bench]'", "", "", ""))
        return out
    for file_format, rate in dlt.items():
        out.append(
            Row(
                f"landing: dlt ({file_format})",
                number(rate, "rows/s"),
                f"RawLander: {number(lander, 'rows/s')}",
                f"RawLander x{lander / rate:.1f}",
                verdict(lander >= 2 * rate, "RawLander >= 2x dlt"),
                f"{count:,} records, 1 round, dlt typed columns",
            ),
        )
    return out
