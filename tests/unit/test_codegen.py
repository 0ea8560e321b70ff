"""The files the raw dataset declarations give are the committed ones, and their SQL is the dbt macros' SQL."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from fmp_elt import codegen
from fmp_elt.streams import RAW_DATASETS

ROOT = Path(__file__).resolve().parents[2]
MACROS = ROOT / "dbt_project" / "macros" / "raw_versions.sql"
# the key macros of raw_versions.sql, by the record key field each one reads (delistedDate: a declared date)
KEY_MACROS = {
    "raw_symbol": ("symbol", None),
    "raw_date": ("date", None),
    "raw_endpoint": ("_endpoint", None),
    "raw_period": ("period", None),
    "raw_dividend": ("dividend", None),
    "raw_delisted_date": ("delistedDate", "raw.fmp_delisted"),
}


def copy_inputs(target: Path) -> None:
    """What the generator reads and writes: the dbt project and the migrations."""
    shutil.copytree(ROOT / "dbt_project", target / "dbt_project", ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copytree(ROOT / codegen.MIGRATIONS, target / codegen.MIGRATIONS)


def generate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fmp_elt.codegen", "--root", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_regenerated_files_are_the_committed_ones(tmp_path: Path) -> None:
    copy_inputs(tmp_path)
    for output in codegen.outputs(ROOT):  # written from scratch, not merely left as they were
        (tmp_path / output.path).unlink(missing_ok=True)
    done = generate(tmp_path)
    assert done.returncode == 0, done.stderr
    for folder in (codegen.STAGING, codegen.MIGRATIONS):
        compared = filecmp.dircmp(ROOT / folder, tmp_path / folder)
        assert (compared.left_only, compared.right_only, compared.diff_files) == ([], [], []), folder


def test_check_names_a_file_edited_by_hand(tmp_path: Path) -> None:
    copy_inputs(tmp_path)
    assert generate(tmp_path, "--check").returncode == 0
    sources = tmp_path / codegen.SOURCES_FILE
    sources.write_text(sources.read_text(encoding="utf-8").replace("count: 400", "count: 40"), encoding="utf-8")
    checked = generate(tmp_path, "--check")
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [f"differs from its declaration: {codegen.SOURCES_FILE}"]


def test_outside_a_checkout_it_says_so_in_one_line(tmp_path: Path) -> None:
    done = generate(tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {tmp_path} is not a checkout of this repository (no dbt_project/ or migrations/)"
    ]


@pytest.mark.parametrize("macro", KEY_MACROS)
def test_version_index_expressions_are_the_key_macros(macro: str) -> None:
    field, table = KEY_MACROS[macro]
    env = jinja2.Environment(autoescape=False)  # noqa: S701 (SQL, not HTML)
    rendered = env.from_string(MACROS.read_text(encoding="utf-8") + f"{{{{ {macro}('x') }}}}")
    dataset = RAW_DATASETS[table] if table else next(iter(RAW_DATASETS.values()))
    assert rendered.render().strip() == codegen.dataset_key_expression(dataset, field, "x")


def test_sources_carry_each_declared_freshness_and_anchor() -> None:
    text = codegen.sources().text
    start = text.index("\n      - name: splits")
    entry = text[start : text.index("\n      - name:", start + 1)]
    # a table that may stay empty is as fresh as the table its job lands every run
    assert "select max(_loaded_at) as loaded_at from {{ source('fmp', 'prices') }}" in entry
    assert "warn_after: {count: 120, period: day}" in entry
    assert "- name: payload_date" in entry  # dated: typed once when it lands
    symbols = text[text.index("      - name: symbols") : text.index("      - name: delisted")]
    assert "payload_date" not in symbols
    assert "loaded_at_query" not in symbols
