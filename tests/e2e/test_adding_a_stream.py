"""docs/extend/index.md, "Adding a stream", step by step, on a copy of the repository: the new dataset is then
extracted by its job, landed, modelled by dbt, checked by Great Expectations and shown in the status, with nothing
else edited.

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
import yaml

from tests.fixtures.postgres import query, scalar

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("extract", "dbt_project", "expectations")
IGNORED = shutil.ignore_patterns("__pycache__", "target", "logs", "dbt_packages", "uncommitted", "*.egg-info")

# Step 1: the stream module, with the declaration of the raw dataset it lands.
STREAM_MODULE = '''
"""Trailing-twelve-month ratios per symbol (`ratios-ttm`): one record per symbol, replaced on each run."""

from __future__ import annotations

from collections.abc import Iterable

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.base import Cursor, Landing, StreamContext, Unit, UnitResult
from fmp_elt.streams.dataset import WEEKLY_LOADS, RawDataset

RATIOS_TTM = RawDataset(
    table="raw.fmp_ratios_ttm",
    description="trailing-twelve-month ratios per symbol",
    endpoints=("ratios-ttm",),
    job="ratios",
    record_key=("symbol",),
    freshness=WEEKLY_LOADS,
    fields=("symbol",),
)


class RatiosTtmStream:
    name = "ratios_ttm"
    cursor_streams: tuple[str, ...] = ()
    datasets: tuple[RawDataset, ...] = (RATIOS_TTM,)

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: StreamContext) -> Iterable[Unit]:
        return [Unit(symbol) for symbol in symbols]

    def fetch(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        rows = client.get_json("ratios-ttm", {"symbol": unit.key})
        return UnitResult(landings=[Landing(RATIOS_TTM.table, "ratios-ttm", unit.key, rows)])
'''

# Step 3: the migration: the table, its load-time index and its version index.
MIGRATION = """
create table raw.fmp_ratios_ttm (like raw.fmp_symbols including all);
create index fmp_ratios_ttm_loaded_at on raw.fmp_ratios_ttm using brin (_loaded_at);
create index fmp_ratios_ttm_version on raw.fmp_ratios_ttm (coalesce(symbol, payload ->> 'symbol'), _loaded_at, _seq);
"""

# Step 4: the staging model, the latest landed version of each symbol's record.
STAGING_MODEL = """
with

source as (

    select landed.*
    from {{ source('fmp', 'ratios_ttm') }} as landed
    where {{ is_latest_version(source('fmp', 'ratios_ttm'), 'landed') }}

)

select
    cast({{ raw_symbol('source') }} as text) as symbol,
    {{ json_numeric('priceToEarningsRatioTTM') }} as price_to_earnings_ratio_ttm,
    source._loaded_at
from source
"""


def add_the_stream(repo: Path) -> None:
    """What docs/extend/index.md says, and nothing more."""
    streams = repo / "extract" / "fmp_elt" / "streams"
    (streams / "ratios_ttm.py").write_text(STREAM_MODULE.lstrip(), encoding="utf-8")
    # Step 2: register it.
    registry = streams / "__init__.py"
    text = registry.read_text(encoding="utf-8")
    text = text.replace(
        "from fmp_elt.streams.ratios import RatiosStream\n",
        "from fmp_elt.streams.ratios import RatiosStream\nfrom fmp_elt.streams.ratios_ttm import RatiosTtmStream\n",
    )
    text = text.replace(
        '    "ratios": RatiosStream(),\n', '    "ratios": RatiosStream(),\n    "ratios_ttm": RatiosTtmStream(),\n'
    )
    assert "RatiosTtmStream()" in text, "the registry changed shape: update docs/extend/index.md and this test"
    registry.write_text(text, encoding="utf-8")
    migrations = repo / "extract" / "fmp_elt" / "warehouse" / "migrations"
    number = max(int(path.name[:4]) for path in migrations.glob("*.sql")) + 1
    (migrations / f"{number:04d}_ratios_ttm.sql").write_text(MIGRATION.lstrip(), encoding="utf-8")
    staging = repo / "dbt_project" / "models" / "staging" / "fmp"
    (staging / "stg_fmp__ratios_ttm.sql").write_text(STAGING_MODEL.lstrip(), encoding="utf-8")
    sources_file = staging / "_fmp__sources.yml"
    sources = yaml.safe_load(sources_file.read_text(encoding="utf-8"))
    sources["sources"][0]["tables"].append(
        {
            "name": "ratios_ttm",
            "identifier": "fmp_ratios_ttm",
            "description": "Trailing-twelve-month ratios: `ratios-ttm` records, one per symbol.",
            "config": {
                "freshness": {
                    "warn_after": {"count": 8, "period": "day"},
                    "error_after": {"count": 15, "period": "day"},
                }
            },
        }
    )
    sources_file.write_text(yaml.safe_dump(sources, sort_keys=False), encoding="utf-8")
    models_file = staging / "_fmp__models.yml"
    models = yaml.safe_load(models_file.read_text(encoding="utf-8"))
    models["models"].append(
        {
            "name": "stg_fmp__ratios_ttm",
            "description": "Trailing-twelve-month ratios, typed: the latest landed record per symbol.",
            "constraints": [{"type": "primary_key", "columns": ["symbol"], "warn_unsupported": False}],
            "columns": [
                {
                    "name": "symbol",
                    "description": "The ticker.",
                    "data_type": "text",
                    "data_tests": ["unique", "not_null"],
                },
                {
                    "name": "price_to_earnings_ratio_ttm",
                    "description": "Price over trailing earnings.",
                    "data_type": "numeric",
                },
                {
                    "name": "_loaded_at",
                    "description": "When the record landed.",
                    "data_type": "timestamp with time zone",
                },
            ],
        }
    )
    models_file.write_text(yaml.safe_dump(models, sort_keys=False), encoding="utf-8")


def python_in(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """This interpreter with the copy's package on its path (the `env`), as a user would run it."""
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=840, check=False
    )


@pytest.mark.timeout(900)
def test_a_new_stream_is_a_module_a_migration_and_a_staging_model(make_simulator, database_url, tmp_path) -> None:
    repo = tmp_path / "repo"
    for folder in COPIED:
        shutil.copytree(ROOT / folder, repo / folder, ignore=IGNORED)
    add_the_stream(repo)
    sim = make_simulator(n_symbols=4)
    env = {
        **os.environ,
        "PYTHONPATH": str(repo / "extract"),
        "FMP_BASE_URL": sim.base_url,
        "FMP_API_KEY": "test-key",
        "DATABASE_URL": database_url,
        "FMP_ELT_HOME": str(tmp_path / "home"),
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
