"""The README's first command: `fmp-elt demo` on a machine with nothing running lands every stream and builds
the site (dashboard, dbt docs, Data Docs) on its own embedded PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.postgres import scalar


def fmp_elt(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fmp_elt", *args], env=env, capture_output=True, text=True, timeout=900, check=False
    )


@pytest.fixture
def fresh_home(tmp_path: Path):
    """A data folder of its own, and no DATABASE_URL: the demo must start the embedded server itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FMP_", "DATABASE_URL"))}
    env["FMP_ELT_HOME"] = str(tmp_path / "home")
    yield env
    fmp_elt("db", "stop", env=env)


def test_the_demo_lands_every_stream_and_builds_the_site(fresh_home) -> None:
    done = fmp_elt("demo", "--symbols", "6", env=fresh_home)
    assert done.returncode == 0, done.stdout + done.stderr
    url = re.search(r"warehouse: (\S+)", done.stdout).group(1)
    site = Path(re.search(r"site \(dashboard, dbt docs, Data Docs\): (\S+)", done.stdout).group(1))

    for table in ("raw.fmp_symbols", "raw.fmp_prices", "raw.fmp_prices_adjusted", "raw.fmp_ratios"):
        assert scalar(url, f"select count(*) from {table}") > 0, table
    for mart in ("marts.symbols", "marts.daily_prices", "marts.daily_ma", "marts.ratios"):
        assert scalar(url, f"select count(*) from {mart}") > 0, mart
    statuses = scalar(url, "select array_agg(distinct status) from etl.executions")
    assert statuses == ["completed"]

    index = site.read_text()
    for page in ("dashboard/index.html", "dbt/index.html", "quality/index.html"):
        assert page in index
        assert (site.parent / page).is_file()
