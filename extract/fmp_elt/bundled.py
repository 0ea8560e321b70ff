"""Where the dbt project and the Great Expectations configuration live.

A wheel carries both inside the package, in `fmp_elt/_bundled/`, so an installed fmp-elt needs no checkout.
An editable install imports the package from `extract/` and finds them at the top of the checkout instead,
where a person edits them. Both copies are read-only inputs: everything a run writes goes under FMP_ELT_HOME.
"""

from __future__ import annotations

from pathlib import Path

from fmp_elt.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLE_DIR = PACKAGE_DIR / "_bundled"  # present in a wheel only (see pyproject.toml)
CHECKOUT_DIR = PACKAGE_DIR.parents[1]  # extract/fmp_elt -> the repository root


def dbt_project_dir() -> Path:
    """The folder holding `dbt_project.yml` (and the `profiles.yml` dbt reads)."""
    return _locate("dbt_project", "dbt_project.yml", "the dbt project")


def expectations_dir() -> Path:
    """The folder whose `gx/great_expectations.yml` is the committed Great Expectations file context."""
    return _locate("expectations", "gx/great_expectations.yml", "the Great Expectations configuration")


def _locate(name: str, marker: str, what: str) -> Path:
    # The bundle wins: an installed wheel must not pick up a stray checkout that happens to sit above it.
    candidates = (BUNDLE_DIR / name, CHECKOUT_DIR / name)
    for folder in candidates:
        if (folder / marker).is_file():
            return folder
    looked = " nor ".join(str(folder / marker) for folder in candidates)
    raise ConfigError(f"{what} is missing: found neither {looked}; reinstall fmp-elt or run it from a checkout")
