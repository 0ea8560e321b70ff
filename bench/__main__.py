"""`python -m bench [--smoke|--quick|--full] [--only NAME,...] [--json PATH]`: run the benchmarks, print a table.

--quick (the default) runs every benchmark at a reduced scale in a few minutes; --full runs the sizes of the
issue (5,000 symbols, 10 years of history, a 5,000 x 5-year backfill) and takes much longer; --smoke is the
smallest run, for the test suite. Set BENCH_DATABASE_URL to use an existing PostgreSQL server instead of a
throwaway embedded one. Exit code 1 when a check fails.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

from bench.env import Warehouse
from bench.report import Row, table, write_json
from bench.scale import SCALES, Scale

MODES = {
    "smoke": "the smallest scale, seconds (the test suite runs it)",
    "quick": "every benchmark at a reduced scale, minutes (the default)",
    "full": "the target sizes: 5,000 symbols, 10 years, a 12.5M-row backfill; about an hour",
}
# Each benchmark is a module with `run(warehouse, scale) -> list[Row]`, run in this order.
BENCHMARKS = ("rate", "landing", "daily", "event_day", "backfill", "dbt_scale", "shard", "statements")


def machine(warehouse: Warehouse) -> dict[str, str]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpus": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": _memory(),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "postgresql": f"{warehouse.version()} ({warehouse.description})",
        "load average at start": " ".join(f"{x:.2f}" for x in load),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run the benchmarks and print one table.")
    mode = parser.add_mutually_exclusive_group()
    for name, text in MODES.items():
        mode.add_argument(f"--{name}", dest="scale", action="store_const", const=name, help=text)
    parser.set_defaults(scale="quick")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--json", type=Path, help="also write the rows and the machine to this JSON file")
    parser.add_argument("--latency-ms", type=float, help="the simulator's latency per answer (default 100)")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()] or list(BENCHMARKS)
    unknown = set(args.only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark {sorted(unknown)[0]!r}; choose from {', '.join(BENCHMARKS)}")
    return args


def run_one(name: str, warehouse: Warehouse, scale: Scale) -> list[Row]:
    started = time.monotonic()
    print(f"[bench] {name} ({scale.name}) ...", file=sys.stderr, flush=True)
    try:
        rows: list[Row] = importlib.import_module(f"bench.{name}").run(warehouse, scale)
    except Exception as exc:  # one broken benchmark must not hide the others' figures
        traceback.print_exc()
        reason = " ".join(str(exc).split())[:80]
        rows = [Row(name, "error", check=f"FAIL ({type(exc).__name__}: {reason})", scale=scale.name)]
    print(f"[bench] {name} done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scale = SCALES[args.scale]
    if args.latency_ms is not None:
        scale = replace(scale, latency_ms=args.latency_ms)
    started = time.monotonic()
    rows: list[Row] = []
    with Warehouse() as warehouse:
        facts = machine(warehouse)
        for name in args.only:
            rows.extend(run_one(name, warehouse, scale))
    facts["scale"] = scale.name + (" (reduced: ratios, not the target sizes)" if scale.reduced else "")
    facts["simulated latency"] = f"{scale.latency_ms:.0f} ms per answer"
    facts["wall time"] = f"{time.monotonic() - started:.0f} s"
    print()
    for key, value in facts.items():
        print(f"{key}: {value}")
    print()
    print(table(rows))
    if args.json:
        write_json(args.json, rows, facts)
    failed = [r for r in rows if r.failed]
    print(f"\n{len(rows) - len(failed)} figures ok, {len(failed)} failed checks")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
