"""dbt's behaviour-change flags are decided, not left to each dbt version's defaults.

Every flag the installed dbt (core and the postgres adapter) knows is either set in dbt_project.yml or named in
docs/contribute/dbt-v2-readiness.md with the reason it does not reach this project. A dbt upgrade that brings a
new flag fails here until someone has decided about it. (tests/run.sh --dbt 1.12 runs this on dbt 1.12.)
"""

from __future__ import annotations

from pathlib import Path

import yaml
from dbt.adapters.base.impl import DEFAULT_BASE_BEHAVIOR_FLAGS
from dbt.adapters.postgres.impl import PostgresAdapter
from dbt.contracts.project import ProjectFlags

ROOT = Path(__file__).resolve().parents[2]
READINESS = ROOT / "docs" / "contribute" / "dbt-v2-readiness.md"
# Flags dbt_project.yml sets for dbt 1.12 that dbt 1.11 does not know yet (and ignores).
NEWER_THAN_11 = {"require_valid_schema_from_generate_schema_name"}


def project_flags() -> dict[str, object]:
    return yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))["flags"]


def known_flags() -> set[str]:
    core = set(ProjectFlags().project_only_flags)
    adapter = {flag["name"] for flag in DEFAULT_BASE_BEHAVIOR_FLAGS}
    postgres = {flag["name"] for flag in PostgresAdapter._behavior_flags.fget(None)}  # type: ignore[attr-defined]
    return core | adapter | postgres


def not_applicable() -> str:
    text = READINESS.read_text(encoding="utf-8")
    return text.split("## Behaviour flags that do not reach the project", 1)[1].split("\n## ", 1)[0]


def test_every_behaviour_flag_of_the_installed_dbt_is_set_or_explained() -> None:
    known = known_flags()
    assert "validate_macro_args" in known
    assert "postgres_skip_autocommit_transaction_statements" in known
    set_here, explained = set(project_flags()), not_applicable()
    undecided = sorted(flag for flag in known if flag not in set_here and f"`{flag}`" not in explained)
    assert not undecided, f"decide these behaviour flags in dbt_project.yml or {READINESS.name}: {undecided}"


def test_no_flag_is_both_set_and_called_inapplicable() -> None:
    explained = not_applicable()
    assert not [flag for flag in project_flags() if f"`{flag}`" in explained]


def test_every_flag_set_is_one_dbt_knows() -> None:
    # a typo or a flag dbt removed would be ignored without a word
    settings = {"send_anonymous_usage_stats", "partial_parse"}
    unknown = set(project_flags()) - known_flags() - settings - NEWER_THAN_11
    assert not unknown
