"""Finding the dbt project and the GX configuration (bundled or in the checkout), and GX's writable copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fmp_elt import bundled
from fmp_elt.errors import ConfigError
from fmp_elt.quality import gx_project
from fmp_elt.transform_stage import DbtPaths, dbt_env

ROOT = Path(__file__).resolve().parents[2]


def make_project(root: Path) -> Path:
    (root / "dbt_project").mkdir(parents=True)
    (root / "dbt_project" / "dbt_project.yml").write_text("name: fmp_elt\n")
    (root / "expectations" / "gx").mkdir(parents=True)
    (root / "expectations" / "gx" / "great_expectations.yml").write_text("config_version: 4.0\n")
    return root


def test_a_checkout_uses_its_top_level_folders() -> None:
    assert not bundled.BUNDLE_DIR.exists()  # the tests run from a checkout (an editable install)
    assert bundled.dbt_project_dir() == ROOT / "dbt_project"
    assert bundled.expectations_dir() == ROOT / "expectations"
    assert gx_project.PROJECT_ROOT == ROOT / "expectations"


def test_the_bundled_copy_wins_over_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundled, "BUNDLE_DIR", make_project(tmp_path / "bundle"))
    monkeypatch.setattr(bundled, "CHECKOUT_DIR", make_project(tmp_path / "checkout"))

    assert bundled.dbt_project_dir() == tmp_path / "bundle" / "dbt_project"
    assert bundled.expectations_dir() == tmp_path / "bundle" / "expectations"


def test_neither_copy_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundled, "BUNDLE_DIR", tmp_path / "bundle")
    monkeypatch.setattr(bundled, "CHECKOUT_DIR", tmp_path / "checkout")

    with pytest.raises(ConfigError) as dbt_missing:
        bundled.dbt_project_dir()
    with pytest.raises(ConfigError) as gx_missing:
        gx_project.open_context(tmp_path / "home")

    for error in (dbt_missing.value, gx_missing.value):
        assert "\n" not in str(error)
        assert error.exit_code == 2
    assert str(tmp_path / "bundle" / "dbt_project" / "dbt_project.yml") in str(dbt_missing.value)
    assert "great_expectations.yml" in str(gx_missing.value)
    assert not (tmp_path / "home").exists()


def test_gx_opens_a_copy_under_the_home_refreshed_only_when_the_committed_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundled, "BUNDLE_DIR", make_project(tmp_path / "bundle"))
    committed = tmp_path / "bundle" / "expectations" / "gx" / "great_expectations.yml"
    home = tmp_path / "home"

    root = gx_project.prepare_working_root(home)
    copy = root / "gx" / "great_expectations.yml"
    assert root == home / "gx"
    assert copy.read_text() == committed.read_text()

    os.utime(copy, ns=(1, 1))
    gx_project.prepare_working_root(home)
    assert copy.stat().st_mtime_ns == 1  # unchanged: not rewritten

    committed.write_text("config_version: 4.0\n# changed\n")
    gx_project.prepare_working_root(home)
    assert copy.read_text() == committed.read_text()
    assert sorted(p.name for p in copy.parent.iterdir()) == ["great_expectations.yml"]  # no partial file left


def test_the_working_root_defaults_to_fmp_elt_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FMP_ELT_HOME", str(tmp_path))
    assert gx_project.working_root() == tmp_path / "gx"


def test_dbt_by_hand_gets_the_project_and_the_home_folders(tmp_path: Path) -> None:
    paths = DbtPaths.under(tmp_path)
    env = dbt_env("postgresql://etl@db.example/warehouse", base={}, paths=paths)

    assert env["DBT_PROJECT_DIR"] == env["DBT_PROFILES_DIR"] == str(ROOT / "dbt_project")
    assert (env["DBT_TARGET_PATH"], env["DBT_LOG_PATH"]) == (str(paths.target), str(paths.logs))
    assert paths.workdir == tmp_path / "dbt"
