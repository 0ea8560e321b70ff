"""YAML read through libyaml reads the project's files as PyYAML's safe loader does, and stays safe."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fmp_elt import yaml_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path", ["dbt_project/models/marts/_marts__models.yml", "extract/fmp_elt/jobs.yml", ".github/workflows/elt.yml"]
)
def test_the_projects_files_read_as_the_safe_loader_reads_them(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert yaml_text.load(text) == yaml.safe_load(text)


def test_libyaml_parses_when_pyyaml_has_it() -> None:
    assert yaml.__with_libyaml__, "PyYAML's wheels bundle libyaml"
    assert yaml_text._LOADER is yaml.CSafeLoader


def test_a_python_object_tag_is_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        yaml_text.load("!!python/object/apply:os.system ['true']")
