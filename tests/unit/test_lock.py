"""The lock (requirements/lock.txt) is what every install uses, and it answers pyproject.toml.

- every requirement of pyproject.toml (the application and its dev extra) and of requirements/tools.in has one
  pin in the lock, for each Python CI runs, and the pin is inside the declared range: a dependency added or
  narrowed without running requirements/update.sh fails here;
- every pin carries sha256 hashes, so `pip install --require-hashes` can check each file;
- tests/run.sh and every workflow install from the lock with hash checking and fmp-elt on top with --no-deps;
- the dbt 1.12 lock holds dbt-core 1.12 and nothing whose build leaves PyPI;
- the lock's update path: a scheduled workflow writes it with requirements/update.sh and runs CI on the result.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements"
LOCKS = {"1.11": REQUIREMENTS / "lock.txt", "1.12": REQUIREMENTS / "lock-dbt-1.12.txt"}
WORKFLOWS = ROOT / ".github" / "workflows"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")
HASH = re.compile(r"^\s+--hash=sha256:[0-9a-f]{64}\s*\\?$")
INSTALL_LOCK = "pip install --no-deps --require-hashes -r requirements/lock.txt"
INSTALL_PACKAGE = "pip install --no-deps --no-build-isolation -e ."


def claimed_pythons() -> list[str]:
    classifiers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["classifiers"]
    return [c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r".* :: 3\.\d+", c)]


def environment(python: str) -> dict[str, str]:
    return {"python_version": python, "python_full_version": f"{python}.0", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "sys_platform": "linux", "platform_system": "Linux",
            "os_name": "posix", "platform_machine": "x86_64"}  # fmt: skip


def pins(lock: Path, python: str) -> dict[str, Version]:
    """name -> version, for the entries whose marker holds on Linux with this Python; each with its hashes."""
    found: dict[str, Version] = {}
    lines = lock.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        match = PIN.match(line)
        if not match:
            continue
        name, version, marker = match.groups()
        assert HASH.match(lines[number + 1]), f"{lock.name}: {name} has no sha256 hash"
        if marker and not Requirement(f"x; {marker}").marker.evaluate(environment(python)):  # type: ignore[union-attr]
            continue
        key = canonicalize_name(name)
        assert key not in found, f"{lock.name}: two pins of {name} for Python {python}"
        found[key] = Version(version)
    assert len(found) > 50, lock
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    tools = [
        line.split("#", 1)[0].strip() for line in (REQUIREMENTS / "tools.in").read_text(encoding="utf-8").splitlines()
    ]
    texts = [*project["dependencies"], *project["optional-dependencies"]["dev"], *filter(None, tools)]
    return [Requirement(text) for text in texts]


@pytest.mark.parametrize("dbt", sorted(LOCKS))
@pytest.mark.parametrize("python", claimed_pythons())
def test_the_lock_pins_every_declared_requirement_inside_its_range(dbt: str, python: str) -> None:
    pinned = pins(LOCKS[dbt], python)
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement} is not in {LOCKS[dbt].name}: run bash requirements/update.sh"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{LOCKS[dbt].name} pins {name}=={pinned[name]} outside {requirement}: run bash requirements/update.sh"
        )


def test_the_check_above_catches_a_requirement_added_without_relocking() -> None:
    pinned = pins(LOCKS["1.11"], "3.11")
    assert canonicalize_name("dlt") not in pinned  # the bench extra is not locked: what adding it would look like
    assert not Requirement("psycopg2-binary>=3").specifier.contains(pinned["psycopg2-binary"])


def test_each_lock_holds_its_dbt_and_the_12_lock_leaves_out_the_parser_that_cannot_install() -> None:
    for python in claimed_pythons():
        assert pins(LOCKS["1.11"], python)["dbt-core"].release[:2] == (1, 11)
        dbt_112 = pins(LOCKS["1.12"], python)
        assert dbt_112["dbt-core"].release[:2] == (1, 12)
        assert "dbt-core-experimental-parser" not in dbt_112


def test_the_update_script_rejects_a_bad_option_in_one_line() -> None:
    result = subprocess.run(
        ["bash", str(REQUIREMENTS / "update.sh"), "-P"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "requirements/update.sh: -P needs package names"


def install_scripts() -> dict[str, str]:
    scripts = {"tests/run.sh": (ROOT / "tests" / "run.sh").read_text(encoding="utf-8")}
    for path in sorted(WORKFLOWS.glob("*.yml")):
        workflow: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job_name, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                if "pip install" in step.get("run", ""):
                    scripts[f"{path.name}:{job_name}:{step['name']}"] = step["run"]
    return scripts


def test_every_install_is_hash_checked_from_a_lock_with_the_package_on_top_without_dependencies() -> None:
    scripts = install_scripts()
    assert {"ci.yml:lint", "ci.yml:dbt", "elt.yml:pipeline", "elt.yml:alert"} <= {
        key.rsplit(":", 1)[0] for key in scripts
    }
    for where, script in scripts.items():
        for line in script.splitlines():
            if "pip install" not in line or line.lstrip().startswith("#"):
                continue
            command = line.split("pip install", 1)[1]
            if "dbt-core==$DBT_VERSION" in command:  # CI's dbt 1.12 entry: a normal install over the lock
                continue
            assert "--require-hashes -r requirements/lock" in command or "--no-deps" in command, (where, line)
    for where, script in scripts.items():
        script = script.replace(" --quiet", "")
        if "lock-refresh" in where or "dbt-core==$DBT_VERSION" in script:
            continue
        assert INSTALL_LOCK in script, where
        if "hatchling build" not in script:  # the release job builds the package instead of installing it
            assert INSTALL_PACKAGE in script, where


def test_the_12_entry_of_ci_installs_dbt_112_over_the_lock() -> None:
    dbt = yaml.safe_load((WORKFLOWS / "ci.yml").read_text(encoding="utf-8"))["jobs"]["dbt"]
    assert {entry["dbt"] for entry in dbt["strategy"]["matrix"]["include"]} == {"1.11", "1.12"}
    names = [step.get("name", "") for step in dbt["steps"]]
    assert names.index("Install fmp-elt from the lock") < names.index("Install dbt-core ${{ matrix.dbt }}")


def test_a_scheduled_workflow_refreshes_the_lock_and_runs_ci_on_it() -> None:
    refresh = yaml.safe_load((WORKFLOWS / "lock-refresh.yml").read_text(encoding="utf-8"))
    assert refresh[True]["schedule"]  # yaml reads the key `on` as True
    scripts = [step.get("run", "") for step in refresh["jobs"]["refresh"]["steps"]]
    text = "\n".join(scripts)
    assert text.index("bash requirements/update.sh") < text.index(
        "install --no-deps --require-hashes -r requirements/lock.txt\n", text.index("update.sh")
    )
    assert "gh pr create" in text
    assert "gh workflow run ci.yml" in text
    ci = yaml.safe_load((WORKFLOWS / "ci.yml").read_text(encoding="utf-8"))
    assert "workflow_dispatch" in ci[True]


def test_run_sh_takes_only_the_dbt_version_it_has_a_lock_for() -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "tests" / "run.sh"), "--dbt", "1.13"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "tests/run.sh: --dbt takes 1.12 (the lock holds 1.11)"
    assert "lock-dbt-1.12.txt" in (ROOT / "tests" / "run.sh").read_text(encoding="utf-8")
    assert (REQUIREMENTS / "lock-dbt-1.12.txt").is_file()
