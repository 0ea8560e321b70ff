"""docs/extend/index.md, "Adding a stream", step by step, on a copy of the repository: the new stream module, then
`python -m fmp_elt.codegen`. The new dataset is then extracted by its job, landed, modelled by dbt, checked by Great
Expectations and shown in the status, and no file but the module and the generated ones changed.

The new stream reads FMP's `ratios-ttm` (one trailing-twelve-month record per symbol), which the simulator serves
and the pipeline does not use yet.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.postgres import query, scalar

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("extract", "dbt_project", "expectations")
IGNORED = shutil.ignore_patterns("__pycache__", "target", "logs", "dbt_packages", "uncommitted", "*.egg-info")

# The stream module, with the declaration of the raw dataset it lands and the columns its staging model types.
STREAM_MODULE = '''
"""Trailing-twelve-month ratios per symbol (`ratios-ttm`): one record per symbol, replaced on each run."""

from __future__ import annotations

from collections.abc import Iterable

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.base import Cursor, Landing, Stream, StreamContext, Unit, UnitResult
from fmp_elt.streams.dataset import WEEKLY_LOADS, RawDataset, StagingColumn

RATIOS_TTM = RawDataset(
    table="raw.fmp_ratios_ttm",
    description="trailing-twelve-month ratios per symbol",
    endpoints=("ratios-ttm",),
    job="ratios",
    record_key=("symbol",),
    freshness=WEEKLY_LOADS,
    fields=("symbol",),
    columns=(
        StagingColumn("symbol", "text", "The ticker."),
        StagingColumn("priceToEarningsRatioTTM", "numeric", "Price over trailing earnings."),
    ),
)


class RatiosTtmStream(Stream[StreamContext]):
    name = "ratios_ttm"
    datasets = (RATIOS_TTM,)

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: StreamContext) -> Iterable[Unit]:
        return [Unit(symbol) for symbol in symbols]

    def fetch(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        rows = client.get_json("ratios-ttm", {"symbol": unit.key})
        return UnitResult(landings=[Landing(RATIOS_TTM.table, "ratios-ttm", unit.key, rows)])


STREAM = RatiosTtmStream()
'''


def add_the_stream(repo: Path, env: dict[str, str]) -> None:
    """What docs/extend/index.md says, and nothing more: the module, then the generator."""
    (repo / "extract" / "fmp_elt" / "streams" / "ratios_ttm.py").write_text(STREAM_MODULE.lstrip(), encoding="utf-8")
    generated = python_in(repo, env, "-m", "fmp_elt.codegen")
    assert generated.returncode == 0, generated.stderr


def changed_files(before: dict[str, bytes], repo: Path) -> set[str]:
    after = snapshot(repo)
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def snapshot(repo: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(repo)): path.read_bytes()
        for folder in COPIED
        for path in (repo / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def python_in(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """This interpreter with the copy's package on its path (the `env`), as a user would run it."""
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=840, check=False
    )


@pytest.mark.timeout(900)
def test_a_new_stream_is_its_module_and_what_codegen_writes_from_it(make_simulator, database_url, tmp_path) -> None:
    repo = tmp_path / "repo"
    for folder in COPIED:
        shutil.copytree(ROOT / folder, repo / folder, ignore=IGNORED)
    sim = make_simulator(n_symbols=4)
    env = {
        **os.environ,
        "PYTHONPATH": str(repo / "extract"),
        "FMP_BASE_URL": sim.base_url,
        "FMP_API_KEY": "test-key",
        "DATABASE_URL": database_url,
        "FMP_ELT_HOME": str(tmp_path / "home"),
    }
    before = snapshot(repo)
    migrations = repo / "extract" / "fmp_elt" / "warehouse" / "migrations"
    number = max(int(path.name[:4]) for path in migrations.glob("*.sql")) + 1
    add_the_stream(repo, env)
    # the module, and the files generated from its declaration: no other file was touched
    assert changed_files(before, repo) == {
        "extract/fmp_elt/streams/ratios_ttm.py",
        f"extract/fmp_elt/warehouse/migrations/{number:04d}_raw_ratios_ttm.sql",
        "dbt_project/models/staging/fmp/_fmp__sources.yml",
        "dbt_project/models/staging/fmp/_fmp__generated.yml",
        "dbt_project/models/staging/fmp/stg_fmp__ratios_ttm.sql",
    }
    run = python_in(tmp_path, env, "-m", "fmp_elt", "run", "--jobs", "symbols,prices,ratios,transform,quality")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    universe = scalar(database_url, "select count(*) from marts.symbols")
    assert universe > 0
    # landed by the job its declaration names, next to the stream that job already ran
    assert scalar(database_url, "select count(distinct symbol) from raw.fmp_ratios_ttm") == universe
    [(metadata,)] = query(
        database_url, "select metadata from etl.executions where job_name = 'ratios' and status = 'completed'"
    )
    assert set(metadata["streams"]) == {"ratios", "ratios_ttm"}
    # modelled by its staging view
    assert scalar(database_url, "select count(*) from staging.stg_fmp__ratios_ttm") == universe
    missing = "select count(*) from staging.stg_fmp__ratios_ttm where price_to_earnings_ratio_ttm is null"
    assert scalar(database_url, missing) == 0
    # measured by its quality suite, made from the declaration, and fresh by the declared policy
    [(total, fresh)] = query(
        database_url, "select total_records, is_fresh from etl.data_quality where dataset = 'raw_ratios_ttm'"
    )
    assert (total, fresh) == (universe, True)
    # and in the status read model that the API, the CLI, the alerts and the site share
    status = python_in(tmp_path, env, "-c", STATUS_FRESHNESS, database_url)
    assert status.returncode == 0, status.stderr[-3000:]
    assert json.loads(status.stdout)["raw.fmp_ratios_ttm"] is True


STATUS_FRESHNESS = """
import json, sys
from fmp_elt.job_config import load_jobs
from fmp_elt.status import queries
from fmp_elt.warehouse.connection import connect

conn = connect(sys.argv[1])
print(json.dumps({table.table: table.is_fresh for table in queries.freshness(conn, load_jobs())}))
"""
