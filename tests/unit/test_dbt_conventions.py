"""The dbt project's conventions, checked the way dbt-project-evaluator checks them.

The evaluator is a dbt package, and this project installs none, so these tests apply its rule families to the
manifest of one `dbt parse` instead: modelling (the DAG), testing (primary keys, coverage), documentation,
structure (names, folders, YAML files) and governance (access, contracts, exposures). Each check returns the
offending nodes, and the assertion names them. `dbt parse` reads the project and connects to no database.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from fmp_elt import transform_stage
from fmp_elt.cli import serve
from fmp_elt.codegen import MODELS_FILE

GENERATED_MODELS = PurePosixPath(MODELS_FILE.as_posix())

PROJECT = "fmp_elt"
PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
# Nothing listens here: `dbt parse` never connects, and would fail if it tried.
OFFLINE_URL = "postgresql://dbt@127.0.0.1:9/offline"

# dbt-project-evaluator's default; dbt_project.yml may override it (vars.dbt_project_evaluator).
DEFAULT_PRIMARY_KEY_TESTS = [["dbt.test_unique", "dbt.test_not_null"], ["dbt_utils.test_unique_combination_of_columns"]]
LAYER_PREFIXES = {"staging": "stg_", "intermediate": "int_", "base": "base_"}
DEFAULT_FANOUT_THRESHOLD = 3  # the evaluator's models_fanout_threshold; dbt_project.yml may override it
# dbt's own and ours (macros/contracted_materializations.sql)
MATERIALIZED_TABLES = ("table", "incremental", "contracted_table", "contracted_incremental")

Manifest = dict[str, Any]
Node = dict[str, Any]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    home = tmp_path_factory.mktemp("dbt")
    paths = transform_stage.DbtPaths(target=home / "target", logs=home / "logs")
    result = transform_stage.run_dbt(["parse"], OFFLINE_URL, paths)
    assert result.ok, result.output[-3000:]
    warnings = [line for line in result.output.splitlines() if "WARNING" in line]
    assert not warnings, "dbt parse warned:\n" + "\n".join(warnings)
    return json.loads((paths.target / "manifest.json").read_text(encoding="utf-8"))


# --- reading the manifest ----------------------------------------------------------------------------------


def models(manifest: Manifest) -> list[Node]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["package_name"] == PROJECT]


def layer(model: Node) -> str:
    """`staging` or `marts`: the folder under models/ (anything else is reported by check_model_folders)."""
    parts = PurePosixPath(model["original_file_path"]).parts
    return parts[1] if len(parts) > 2 and parts[0] == "models" else ""


def attached_tests(manifest: Manifest, model: Node) -> list[Node]:
    return [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and n.get("attached_node") == model["unique_id"]
    ]


def parents(model: Node) -> list[str]:
    return list(model["depends_on"]["nodes"])


def model_children(manifest: Manifest, unique_id: str) -> list[str]:
    return [c for c in manifest["child_map"].get(unique_id, []) if c.startswith("model.")]


def primary_key_constraint(model: Node) -> tuple[list[str], Node] | None:
    """The primary key the contract declares (on the model, or on one column) and its constraint, or None."""
    keys = [(c["columns"], c) for c in model["constraints"] if c["type"] == "primary_key"]
    keys += [
        ([name], c)
        for name, column in model["columns"].items()
        for c in column["constraints"]
        if c["type"] == "primary_key"
    ]
    return keys[0] if len(keys) == 1 else None


def primary_key(model: Node) -> list[str] | None:
    declared = primary_key_constraint(model)
    return None if declared is None else declared[0]


def generic_tests(manifest: Manifest, model: Node) -> list[Node]:
    return [t for t in attached_tests(manifest, model) if "test_metadata" in t]


def evaluator_vars() -> dict[str, Any]:
    config = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return (config.get("vars") or {}).get("dbt_project_evaluator") or {}


def primary_key_test_sets() -> list[list[str]]:
    return evaluator_vars().get("primary_key_test_macros", DEFAULT_PRIMARY_KEY_TESTS)


def yml_file(node: Node) -> PurePosixPath:
    """The YAML file that describes a node (a model's patch, or where a source or exposure is defined)."""
    path = node.get("patch_path") or node["original_file_path"]
    return PurePosixPath(path.split("://", 1)[-1])


# --- the checks: each returns its offenders, one line each ------------------------------------------------


def check_primary_keys_declared(manifest: Manifest) -> list[str]:
    """Testing/governance: every model's contract is enforced and declares one primary key over documented
    columns that are never NULL (a not_null constraint or test); a table checks it has that key for real."""
    offenders = []
    for model in models(manifest):
        name, declared = model["name"], primary_key_constraint(model)
        if not model["config"]["contract"]["enforced"]:
            offenders.append(f"{name}: contract not enforced")
        if declared is None:
            offenders.append(f"{name}: no single primary_key constraint in its contract")
            continue
        key, constraint = declared
        tests = generic_tests(manifest, model)
        for column in key:
            spec = model["columns"].get(column)
            if spec is None:
                offenders.append(f"{name}: primary key column {column} is not in the contract")
                continue
            constrained = any(c["type"] == "not_null" for c in spec["constraints"])
            tested = any(t["column_name"] == column and t["test_metadata"]["name"] == "not_null" for t in tests)
            if not (constrained or tested):
                offenders.append(f"{name}: primary key column {column} has no not_null constraint or test")
        if model["config"]["materialized"] in MATERIALIZED_TABLES:
            if not any(t["test_metadata"]["name"] == "primary_key_enforced" for t in tests):
                offenders.append(f"{name}: a table without the primary_key_enforced test")
        elif constraint["warn_unsupported"]:
            offenders.append(f"{name}: a view enforces no primary key; mark it warn_unsupported: false")
    return offenders


def check_primary_keys_tested(manifest: Manifest) -> list[str]:
    """Testing (fct_missing_primary_key_tests): a test the evaluator counts as a primary key test, on the
    contract's key: unique and not_null tests on the key's one column (or unique and a not_null constraint),
    or one test of a configured combination macro over exactly the key's columns."""
    test_sets = primary_key_test_sets()
    offenders = [
        f"primary_key_test_macros names {macro}, which the project does not have"
        for test_set in test_sets
        for macro in test_set
        if f"macro.{macro}" not in manifest["macros"]
    ]
    for model in models(manifest):
        key = primary_key(model)
        if key is None:
            continue  # reported by check_primary_keys_declared
        tests = generic_tests(manifest, model)

        def covers(test: Node, test_set: list[str]) -> bool:
            return any(f"macro.{macro}" in test["depends_on"]["macros"] for macro in test_set)

        ok = False
        if len(key) == 1:
            column = key[0]
            on_key = [t for t in tests if t["column_name"] == column]
            spec = model["columns"][column]
            not_null_constraint = any(c["type"] == "not_null" for c in spec["constraints"])
            for test_set in test_sets:
                if all(any(covers(t, [macro]) for t in on_key) for macro in test_set):
                    ok = True
            if not_null_constraint and any(covers(t, ["dbt.test_unique"]) for t in on_key):
                ok = True  # the evaluator's mixed method
        for test_set in (s for s in test_sets if len(s) == 1):
            for test in tests:
                combination = test["test_metadata"]["kwargs"].get("combination_of_columns")
                if covers(test, test_set) and combination is not None and set(combination) == set(key):
                    ok = True
        if not ok:
            offenders.append(f"{model['name']}: no primary key test over ({', '.join(key)}) the evaluator counts")
    return offenders


def check_test_coverage(manifest: Manifest) -> list[str]:
    """Testing (fct_test_coverage, target 100%): every model has at least one data test (generic or singular)."""
    return [
        f"{m['name']}: no data test"
        for m in models(manifest)
        if not any(c.startswith("test.") for c in manifest["child_map"].get(m["unique_id"], []))
    ]


def check_documentation(manifest: Manifest) -> list[str]:
    """Documentation: every model, column, source and source table has a description; every model column has
    a data type (enforced contracts make dbt compare the columns with the SQL's, so none is missing)."""
    offenders = []
    for model in models(manifest):
        if not model["description"].strip():
            offenders.append(f"{model['name']}: no description")
        if not model["columns"]:
            offenders.append(f"{model['name']}: no columns listed")
        for column in model["columns"].values():
            if not column["description"].strip():
                offenders.append(f"{model['name']}.{column['name']}: no description")
            if not column.get("data_type"):
                offenders.append(f"{model['name']}.{column['name']}: no data_type")
    for source in manifest["sources"].values():
        name = f"{source['source_name']}.{source['name']}"
        if not source["source_description"].strip():
            offenders.append(f"source {source['source_name']}: no description")
        if not source["description"].strip():
            offenders.append(f"source {name}: no description")
        offenders += [
            f"source {name}.{column['name']}: no description"
            for column in source["columns"].values()
            if not column["description"].strip()
        ]
    return sorted(set(offenders))


def check_sources(manifest: Manifest) -> list[str]:
    """Modelling (unused sources, source fanout) and testing (sources without freshness): every source table
    is read by exactly one model, a staging one, and has a freshness threshold on its load time."""
    offenders = []
    by_id = manifest["nodes"]
    for source in manifest["sources"].values():
        name = f"{source['source_name']}.{source['name']}"
        children = model_children(manifest, source["unique_id"])
        if len(children) != 1:
            offenders.append(f"source {name}: read by {len(children)} models, not one")
        offenders += [
            f"source {name}: read by {by_id[c]['name']}, not a staging model"
            for c in children
            if layer(by_id[c]) != "staging"
        ]
        freshness = source.get("freshness") or {}
        if not source.get("loaded_at_field") or not (freshness.get("warn_after") or freshness.get("error_after")):
            offenders.append(f"source {name}: no freshness threshold on a loaded_at_field")
    return offenders


def check_staging_models(manifest: Manifest) -> list[str]:
    """Modelling and structure: a staging model reads one source table and nothing else, is named
    stg_<source>__<table>, lives in models/staging/<source>/, and is not public."""
    offenders = []
    for model in (m for m in models(manifest) if layer(m) == "staging"):
        name = model["name"]
        sources = [p for p in parents(model) if p.startswith("source.")]
        if len(sources) != 1 or len(parents(model)) != 1:
            offenders.append(f"{name}: reads {parents(model)}, not one source table")
            continue
        source = manifest["sources"][sources[0]]
        if name != f"stg_{source['source_name']}__{source['name']}":
            offenders.append(f"{name}: should be named stg_{source['source_name']}__{source['name']}")
        folder = PurePosixPath(model["original_file_path"]).parent
        if folder != PurePosixPath("models/staging", source["source_name"]):
            offenders.append(f"{name}: in {folder}, not models/staging/{source['source_name']}")
        if model["access"] == "public":
            offenders.append(f"{name}: public, but a staging model is read by the marts only")
    return offenders


def check_marts(manifest: Manifest) -> list[str]:
    """Modelling, structure and governance: a mart reads models only (staging or marts), carries no other
    layer's prefix, is a table, and is public with an enforced contract."""
    offenders = []
    by_id = manifest["nodes"]
    for model in (m for m in models(manifest) if layer(m) == "marts"):
        name = model["name"]
        for parent in parents(model):
            if parent.startswith("source."):
                offenders.append(f"{name}: reads the source {parent} directly")
            elif parent.startswith("model.") and layer(by_id[parent]) not in ("staging", "marts"):
                offenders.append(f"{name}: reads {by_id[parent]['name']}, outside staging and marts")
        offenders += [f"{name}: a mart named like {kind}" for kind, p in LAYER_PREFIXES.items() if name.startswith(p)]
        if model["config"]["materialized"] not in MATERIALIZED_TABLES:
            offenders.append(f"{name}: materialized as {model['config']['materialized']}, not a table")
        if model["access"] != "public":
            offenders.append(f"{name}: access {model['access']}, not public")
    return offenders


def check_model_folders(manifest: Manifest) -> list[str]:
    """Structure (fct_model_directories): every model is a staging model or a mart, by its folder."""
    return [
        f"{m['name']}: in {m['original_file_path']}" for m in models(manifest) if layer(m) not in ("staging", "marts")
    ]


def check_dag(manifest: Manifest, threshold: int | None = None) -> list[str]:
    """Modelling: no root models, no model fanout over the threshold, no rejoining of upstream concepts (a model
    reading both a parent and that parent's only child, which could be a CTE of it)."""
    offenders = []
    by_id = manifest["nodes"]
    project_models = {m["unique_id"]: m for m in models(manifest)}
    threshold = threshold or evaluator_vars().get("models_fanout_threshold", DEFAULT_FANOUT_THRESHOLD)
    for model in project_models.values():
        if not parents(model):
            offenders.append(f"{model['name']}: a root model (no ref or source)")
    for unique_id in [*project_models, *manifest["sources"]]:
        leaves = [c for c in model_children(manifest, unique_id) if not model_children(manifest, c)]
        if len(leaves) >= threshold:  # the evaluator's `having count(*) >= models_fanout_threshold`
            offenders.append(f"{unique_id}: {len(leaves)} leaf children (the limit is {threshold - 1})")
    for child in project_models.values():
        for parent in parents(child):
            for middle in parents(child):
                rejoined = middle != parent and middle in model_children(manifest, parent)
                if rejoined and model_children(manifest, middle) == [child["unique_id"]]:
                    offenders.append(
                        f"{child['name']}: reads {parent} and its only child {by_id[middle]['name']} (rejoins it)"
                    )
    return offenders


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
# `from` or `join` then schema.table; not `is distinct from a.b`, which compares columns
_RELATION = re.compile(r"(?<!distinct )\b(?:from|join)\s+(\"?\w+\"?\s*\.\s*\"?\w+\"?)", re.I)


def check_hard_coded_references(manifest: Manifest) -> list[str]:
    """Modelling (fct_hard_coded_references): models select from ref() and source() only, never schema.table."""
    offenders = []
    for model in models(manifest):
        sql = " ".join(_SQL_COMMENT.sub(" ", _JINJA.sub(" ", model["raw_code"])).split())
        offenders += [f"{model['name']}: selects from {match}" for match in _RELATION.findall(sql)]
    return offenders


def check_yml_files(manifest: Manifest) -> list[str]:
    """Structure: a resource is described in `_<folder>__<resource type>s.yml` beside it (models in their
    folder, sources in models/staging/<source>/; generated staging models in codegen's file), and a model's
    generic tests are in that same folder."""
    offenders = []
    resources = [*models(manifest), *manifest["sources"].values(), *manifest["exposures"].values()]
    for node in resources:
        if node["resource_type"] == "model" and not node.get("patch_path"):
            offenders.append(f"{node['name']}: described in no YAML file")
            continue
        path = yml_file(node)
        expected = f"_{path.parent.name}__{node['resource_type']}s.yml"
        label = node.get("unique_id", node["name"])
        # codegen writes the staging models of declared datasets in a file of their own
        generated = node["resource_type"] == "model" and PurePosixPath("dbt_project", path) == GENERATED_MODELS
        if path.name != expected and not generated:
            offenders.append(f"{label}: described in {path}, expected a file named {expected}")
        if node["resource_type"] == "model" and path.parent != PurePosixPath(node["original_file_path"]).parent:
            offenders.append(f"{label}: described in {path}, away from {node['original_file_path']}")
        if node["resource_type"] == "source" and path.parent != PurePosixPath("models/staging", node["source_name"]):
            offenders.append(f"{label}: defined in {path.parent}, not models/staging/{node['source_name']}")
    for model in models(manifest):
        folder = PurePosixPath(model["original_file_path"]).parent
        for test in generic_tests(manifest, model):
            if PurePosixPath(test["original_file_path"]).parent != folder:
                offenders.append(f"{test['name']}: defined in {test['original_file_path']}, away from {model['name']}")
    return offenders


def check_public_models(manifest: Manifest) -> list[str]:
    """Governance (fct_public_models_without_contract, fct_undocumented_public_models)."""
    offenders = []
    for model in (m for m in models(manifest) if m["access"] == "public"):
        if not model["config"]["contract"]["enforced"]:
            offenders.append(f"{model['name']}: public without an enforced contract")
        if not model["description"].strip() or not all(c["description"].strip() for c in model["columns"].values()):
            offenders.append(f"{model['name']}: public without a description of itself and every column")
    return offenders


def serve_port() -> int:
    return next(int(option.default) for option in serve.command.params if option.name == "port")


def check_exposures(manifest: Manifest) -> list[str]:
    """Governance and performance: an exposure depends on public models only, built as tables, and its URL
    is where `fmp-elt serve` listens by default."""
    offenders = []
    by_id = manifest["nodes"]
    exposures = manifest["exposures"].values()
    if not exposures:
        offenders.append("the project has no exposure")
    for exposure in exposures:
        name = exposure["name"]
        for parent in exposure["depends_on"]["nodes"]:
            node = by_id.get(parent)
            if node is None or node["resource_type"] != "model":
                offenders.append(f"exposure {name}: depends on {parent}, not a model")
                continue
            if node["access"] != "public":
                offenders.append(f"exposure {name}: depends on {node['name']} ({node['access']})")
            if node["config"]["materialized"] not in MATERIALIZED_TABLES:
                offenders.append(f"exposure {name}: depends on {node['name']}, a {node['config']['materialized']}")
        if urlparse(exposure.get("url") or "").port != serve_port():
            offenders.append(f"exposure {name}: url {exposure.get('url')} is not on port {serve_port()}")
    return offenders


# --- the tests ---------------------------------------------------------------------------------------------


def report(offenders: list[str]) -> str:
    return "\n".join(offenders)


def test_every_model_declares_its_primary_key_in_an_enforced_contract(manifest: Manifest) -> None:
    offenders = check_primary_keys_declared(manifest)
    assert not offenders, report(offenders)


def test_every_primary_key_has_a_test_the_evaluator_recognises(manifest: Manifest) -> None:
    offenders = check_primary_keys_tested(manifest)
    assert not offenders, report(offenders)


def test_every_model_is_tested(manifest: Manifest) -> None:
    offenders = check_test_coverage(manifest)
    assert not offenders, report(offenders)


def test_models_sources_and_their_columns_are_documented(manifest: Manifest) -> None:
    offenders = check_documentation(manifest)
    assert not offenders, report(offenders)


def test_each_source_table_feeds_one_staging_model_and_has_freshness(manifest: Manifest) -> None:
    offenders = check_sources(manifest)
    assert not offenders, report(offenders)


def test_staging_models_read_one_source_and_are_named_after_it(manifest: Manifest) -> None:
    offenders = check_staging_models(manifest)
    assert not offenders, report(offenders)


def test_marts_read_models_and_are_public_tables(manifest: Manifest) -> None:
    offenders = check_marts(manifest)
    assert not offenders, report(offenders)


def test_every_model_is_in_the_staging_or_marts_folder(manifest: Manifest) -> None:
    offenders = check_model_folders(manifest)
    assert not offenders, report(offenders)


def test_the_dag_has_no_roots_fanouts_or_rejoins(manifest: Manifest) -> None:
    offenders = check_dag(manifest)
    assert not offenders, report(offenders)


def test_the_fanout_exception_covers_daily_prices_and_symbol_securities_alone(manifest: Manifest) -> None:
    # dbt_project.yml raises the evaluator's models_fanout_threshold for daily_prices' four leaf children (and
    # symbol_securities' three: symbols, security_daily_prices, securities)
    assert evaluator_vars()["models_fanout_threshold"] == DEFAULT_FANOUT_THRESHOLD + 2
    assert sorted(o.split(":")[0] for o in check_dag(manifest, DEFAULT_FANOUT_THRESHOLD)) == [
        "model.fmp_elt.daily_prices",
        "model.fmp_elt.symbol_securities",
    ]


def test_models_reference_relations_through_ref_and_source(manifest: Manifest) -> None:
    offenders = check_hard_coded_references(manifest)
    assert not offenders, report(offenders)


def test_yml_files_are_named_and_placed_by_convention(manifest: Manifest) -> None:
    offenders = check_yml_files(manifest)
    assert not offenders, report(offenders)


def test_public_models_have_enforced_contracts_and_full_descriptions(manifest: Manifest) -> None:
    offenders = check_public_models(manifest)
    assert not offenders, report(offenders)


def test_exposures_depend_on_public_tables_and_point_at_the_dashboard(manifest: Manifest) -> None:
    offenders = check_exposures(manifest)
    assert not offenders, report(offenders)
