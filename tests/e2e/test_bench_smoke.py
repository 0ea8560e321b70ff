"""The benchmark command end to end, at its smallest scale: it runs every benchmark and prints the table.

Speed is not asserted (the machine may be busy); only that each benchmark produced its figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = (
    "extract: calls/min",
    "landing: RawLander",
    "daily run premium",
    "backfill",
    "dbt incremental",
    "shard:",
    "weekly statements",
)


@pytest.mark.timeout(900)
def test_bench_smoke_prints_the_table(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=880,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-3000:]  # 1: a check missed its ratio on a busy machine
    assert "| benchmark" in done.stdout
    assert "scale: smoke" in done.stdout
    rows = json.loads(out.read_text())["rows"]
    assert not [row for row in rows if row["measured"] == "error"], done.stderr[-3000:]
    names = [row["benchmark"] for row in rows]
    for expected in BENCHMARKS:
        assert any(name.startswith(expected) for name in names), expected
    for row in rows:
        assert row["benchmark"] in done.stdout
