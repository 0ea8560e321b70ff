"""Every quality suite, by dataset name: one per declared raw table, made from its declaration, and the marts'
suites, defined in `expectations/mart_suites.py` (the folder that holds the Great Expectations project).

Every suite checks the same things in the same order: the required columns exist, the table has rows, the key
is unique, required fields are present, then the dataset's own row rules and its freshness. Critical suites
(`symbols`, `daily_prices`, `daily_ma`) make `fmp-elt quality` exit 1 when they fail; the raw suites (schema
drift in what FMP sent) and `ratios` are recorded and rendered, never fatal.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path

from fmp_elt import bundled
from fmp_elt.errors import ConfigError
from fmp_elt.quality.freshness import Freshness
from fmp_elt.quality.rules import JsonFieldPresent, RowCondition, RowRule, literal
from fmp_elt.quality.suite_model import Dataset, SuitePlan, TableFacts, build_plan
from fmp_elt.streams import RAW_DATASETS
from fmp_elt.streams.dataset import RawDataset

__all__ = ["DATASETS", "Dataset", "SuitePlan", "TableFacts", "build_plan"]

MART_SUITES_FILE = "mart_suites.py"


# --- raw landing -------------------------------------------------------------------------------------

RAW_REQUIRED = ("payload", "_run_id", "_loaded_at", "_endpoint")
ISO_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _raw_rules(fields: tuple[str, ...], numbers: tuple[str, ...], per_symbol: bool) -> Callable:
    def rules(facts: TableFacts) -> Sequence[RowRule]:
        found: list[RowRule] = [
            RowCondition(
                "payload_is_object", "`payload` is a JSON object", "jsonb_typeof(payload) <> 'object'", ("payload",)
            ),
            *(JsonFieldPresent("payload", key) for key in fields),
        ]
        if numbers:
            wrong = " or ".join(f"jsonb_typeof(payload -> '{key}') not in ('number', 'null')" for key in numbers)
            found.append(
                RowCondition(
                    "payload_numbers",
                    f"numeric fields are JSON numbers: {', '.join(numbers)}",
                    wrong,
                    ("payload",),
                )
            )
        if "date" in fields:
            found.append(
                RowCondition(
                    "payload_date_format",
                    "`date` is a YYYY-MM-DD date",
                    f"payload ->> 'date' !~ {literal(ISO_DATE)}",
                    ("payload",),
                )
            )
        if per_symbol:
            found.append(
                RowCondition(
                    "payload_symbol_matches",
                    "the payload's `symbol` is the row's `symbol`",
                    "payload ->> 'symbol' <> symbol",
                    ("payload", "symbol"),
                )
            )
        return found

    return rules


def _raw(declared: RawDataset) -> Dataset:
    """The suite of one declared raw table: its fields and types, and its load freshness."""
    per_symbol = declared.per_symbol
    return Dataset(
        name=declared.quality_name,
        table=declared.table,
        critical=False,
        description=f"Raw landing of {declared.description}: one row per record exactly as FMP sent it (append-only).",
        key=(),
        required=(*RAW_REQUIRED, "symbol") if per_symbol else RAW_REQUIRED,
        rules=_raw_rules(declared.fields, declared.numbers, per_symbol),
        freshness=None if declared.may_be_empty else Freshness("_loaded_at", max_age=declared.freshness.warn_after),
        identity=("_seq", "symbol", "_endpoint"),
        may_be_empty=declared.may_be_empty,
    )


RAW_SUITES = tuple(_raw(declared) for declared in RAW_DATASETS.values())


def load_mart_suites(folder: Path | None = None) -> tuple[Dataset, ...]:
    """The `SUITES` of `expectations/mart_suites.py` (the bundled copy in an installed package)."""
    path = (folder or bundled.expectations_dir()) / MART_SUITES_FILE
    spec = importlib.util.spec_from_file_location("fmp_elt_expectations.mart_suites", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ConfigError(f"the mart suites are missing: {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    suites = tuple(module.SUITES)
    if not all(isinstance(suite, Dataset) for suite in suites):
        raise ConfigError(f"{path}: SUITES must hold quality Dataset definitions")
    return suites


DATASETS: dict[str, Dataset] = {dataset.name: dataset for dataset in (*RAW_SUITES, *load_mart_suites())}
