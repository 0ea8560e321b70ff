"""The weekly statements benchmark alone, at its smallest scale: both paths measured, every plan's row printed.

Wall times are not asserted (the machine may be busy); the call counts are exact whatever the load.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.scale import DAY
from fmp_elt.config import PLANS
from fmp_elt.streams.statements_bulk import bulk_periods

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_the_statements_bench_measures_both_paths_and_every_plan(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", "statements", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=580,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-3000:]
    rows = {row["benchmark"]: row for row in json.loads(out.read_text())["rows"]}
    assert not [row for row in rows.values() if row["measured"] == "error"], done.stderr[-3000:]
    per_symbol = rows["weekly statements: per-symbol calls per symbol"]
    assert per_symbol["measured"] == "6.00 calls"
    assert per_symbol["check"] == "PASS (exact)"
    bulk = rows["weekly statements: bulk calls per week (Ultimate)"]
    assert bulk["measured"] == f"{3 * len(bulk_periods(DAY))} calls"
    assert bulk["check"].startswith("PASS")
    for name in PLANS:
        assert any(key.startswith(f"weekly statements {name}") for key in rows), name
    assert rows["weekly statements basic (250/day): 3,500 symbols"]["measured"] == "10,500 calls"
    starter = rows["weekly statements starter per symbol (300/min): 3,500 symbols"]
    assert float(starter["measured"].split()[0]) >= 70.0  # 21,000 calls at 300 a minute, at least
