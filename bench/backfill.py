"""5-year backfills of N symbols, each in a child process whose peak memory (VmHWM) is read, at three sizes.

The child runs the real extractor (`prices --from <5 years ago>`) at Ultimate's 3,000 calls/min against the
simulator (in yet another process, so its memory is not counted); the largest run must take about the time the
limit allows. Peak RSS is the interpreter and libraries plus what the pipeline holds: the units being fetched
and parsed by the workers and the COPY rows waiting to be landed, all bounded by the number of workers and the
batch size. The smallest backfill (about 100k rows) ends before that pipeline fills; from the middle size on it is
full, and from there the peak must stay flat however many rows follow.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.env import SimSpec, SimulatorProcess, Warehouse, scratch_dir
from bench.report import Row, number, percent, verdict
from bench.scale import DAY, Scale

YEARS = 5
PLAN = "ultimate"
START = DAY - timedelta(days=round(365.25 * YEARS))


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """In the child: backfill, then report what it did and its own peak RSS."""
    from bench.extraction import run_streams
    from fmp_elt.config import Settings
    from fmp_elt.streams.base import ExtractOptions

    settings = Settings.from_env()
    options = ExtractOptions(symbols=spec["symbols"], date_from=date.fromisoformat(spec["from"]))
    result = run_streams(settings, spec["url"], ("prices",), DAY, options=options)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "rows": result.rows,
        "calls": result.calls,
        "elapsed_s": result.elapsed_s,
        "failures": result.failures,
        "peak_rss_kb": peak_rss_kb(),
    }


def peak_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def backfill(warehouse: Warehouse, scale: Scale, n_symbols: int) -> dict[str, Any]:
    spec = SimSpec(
        n_symbols=n_symbols,
        start=START - timedelta(days=7),
        end=DAY,
        plan=PLAN,
        latency_ms=scale.latency_ms,
        enforce_rate_limit=True,
        today=DAY,
    )
    url = warehouse.database(f"backfill_{n_symbols}")
    with SimulatorProcess(spec) as sim, scratch_dir() as home:
        settings = sim.settings(home)
        request = {"url": url, "symbols": sim.symbols(), "from": START.isoformat()}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FMP_", "DATABASE_URL"))}
        env.update(FMP_BASE_URL=settings.base_url, FMP_API_KEY=settings.require_api_key(), FMP_PLAN=PLAN)
        env.update(FMP_ELT_HOME=str(home))  # the key travels in the environment, never on a command line
        done = subprocess.run(
            [sys.executable, "-m", "bench.backfill", json.dumps(request)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        stats = sim.stats()
    if done.returncode != 0:
        raise RuntimeError(f"backfill child failed: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rate_limited"] = int(stats["rate_limited"])
    result["limit"] = settings.rate_limit_per_minute
    return result


def run(warehouse: Warehouse, scale: Scale) -> list[Row]:
    small, middle, large = (backfill(warehouse, scale, n) for n in scale.backfill_sizes)
    allowed = large["calls"] * 60.0 / large["limit"]
    ok = large["rate_limited"] == 0 and large["failures"] == 0
    size = f"{scale.backfill_sizes[2]:,} symbols x {YEARS} y: {large['rows']:,} rows, {large['calls']:,} calls"
    flat = large["peak_rss_kb"] / middle["peak_rss_kb"]
    return [
        Row(
            f"backfill {PLAN} ({large['limit']:,}/min)",
            f"{large['elapsed_s']:,.0f} s",
            f"rate limit allows {allowed:,.0f} s",
            percent(large["elapsed_s"] / allowed),
            verdict(ok, "no 429, no failure"),
            size,
        ),
        Row(
            "backfill: rows landed per second",
            number(large["rows"] / large["elapsed_s"], "rows/s"),
            f"extractor CPU: {number(large['rows'] / large['cpu_s'], 'rows per CPU-second')}",
            "",
            "",
            size,
        ),
        Row(
            "backfill: peak RSS of the extractor",
            f"{mib(large)} at {large['rows']:,} rows",
            f"{mib(middle)} at {middle['rows']:,} rows",
            f"x{flat:.2f}",
            verdict(flat <= 1.2, "flat: <= 1.2x"),
            f"{large['rows'] / middle['rows']:.0f}x the rows",
        ),
        Row(
            "backfill: peak RSS, smallest backfill",
            f"{mib(small)} at {small['rows']:,} rows",
            f"{mib(large)} at {large['rows']:,} rows",
            f"x{large['peak_rss_kb'] / small['peak_rss_kb']:.2f}",
            "",
            "ends before the pipeline fills",
        ),
    ]


def mib(result: dict[str, Any]) -> str:
    return f"{result['peak_rss_kb'] / 1024:,.0f} MiB"


if __name__ == "__main__":
    print(json.dumps(child(json.loads(sys.argv[1]))))
