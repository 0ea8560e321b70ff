"""The reference says what the code does: every environment variable the code reads is in the configuration
table and every one there is read; every `fmp-elt` command the docs and the README show exists; the generated
CLI reference covers every command."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import click

from fmp_elt.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "extract" / "fmp_elt"
CONFIGURATION = ROOT / "docs" / "reference" / "configuration.md"
# the prefixes of the variables fmp-elt reads or sets for the processes it starts
VARIABLE = re.compile(r"\"((?:FMP|ETL|SMTP|SLACK|ALERT|DATABASE|DBT|GX)_[A-Z0-9_]+)\"")


def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_reference_hook", ROOT / "docs" / "hooks" / "reference.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def variables_in_code() -> set[str]:
    return {name for path in PACKAGE.rglob("*.py") for name in VARIABLE.findall(path.read_text(encoding="utf-8"))}


def variables_in_table() -> set[str]:
    rows = [line for line in CONFIGURATION.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    return {line.split("`")[1] for line in rows}


def test_every_variable_of_the_code_is_in_the_configuration_table_and_no_other() -> None:
    code, table = variables_in_code(), variables_in_table()
    assert len(code) > 30  # the scan finds them (the settings, alerts, dbt's and GX's)
    assert code - table == set(), "read by the code, missing from docs/reference/configuration.md"
    assert table - code == set(), "in docs/reference/configuration.md, read by no code"


def command_paths() -> set[str]:
    return {path for path, _ in hook().cli_commands()}


def test_the_generated_cli_reference_has_every_command_and_option() -> None:
    page = hook().cli_markdown()
    for path, command in hook().cli_commands():
        assert f"## `{path}`" in page
        for param in command.params:
            if isinstance(param, click.Option):
                assert f"`{param.opts[0]}`" in page, (path, param.opts)
    assert {"fmp-elt doctor", "fmp-elt runs", "fmp-elt runs show", "fmp-elt status"} <= command_paths()


def test_every_command_the_docs_and_the_readme_show_exists() -> None:
    """`fmp-elt WORD [WORD]` in inline code or at the start of a code line: its words are a command path."""
    paths = command_paths()
    groups = {path for path, command in hook().cli_commands() if isinstance(command, click.Group)}
    shown = re.compile(
        r"(?:`|^\s*(?:\$ )?|&& |\.venv/bin/)fmp-elt ((?:[a-z][a-z_-]*)(?: [a-z][a-z_-]*)?)", re.MULTILINE
    )
    pages = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
    missing = []
    for page in pages:
        for words in shown.findall(page.read_text(encoding="utf-8")):
            first = f"fmp-elt {words.split()[0]}"
            full = f"fmp-elt {words}"
            if first not in paths or (first in groups and first != "fmp-elt" and full not in paths and " " in words):
                missing.append(f"{page.relative_to(ROOT)}: {full}")
    assert missing == []


def test_the_entry_point_is_the_group_the_reference_walks() -> None:
    assert isinstance(cli, click.Group)
    assert "fmp-elt" in command_paths()
