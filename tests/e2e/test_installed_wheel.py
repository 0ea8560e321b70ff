"""fmp-elt installed from its wheel, as a user installs it, with no checkout in sight.

The wheel is built from this repository and installed (without its dependencies, which are borrowed from the
test environment through a `.pth` file) into a fresh virtualenv whose site-packages is made read-only. Run
from an empty directory, the demo and the transform and validate commands must find the dbt project and the
GX configuration inside the package and write everything under FMP_ELT_HOME: afterwards not one file of the
installation has been added or changed (we run as root, which ignores the read-only bits, so the files are
compared with a snapshot), and the working directory is still empty.
"""

from __future__ import annotations

import importlib.util
import os
import re
import stat
import subprocess
import sys
import sysconfig
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from fmp_elt.job_config import load_jobs
from fmp_elt.quality import DATASETS
from fmp_elt.simulator import Simulator
from tests.fixtures.data_docs import assert_loads_only_files_of
from tests.fixtures.demo import fresh_home  # noqa: F401 - a fixture, used by name
from tests.fixtures.postgres import scalar

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("dbt_project", "expectations")  # what the wheel carries in fmp_elt/_bundled/
Snapshot = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Installed:
    venv: Path
    site_packages: Path
    files: Snapshot  # every path under the venv, as installed: (size, mtime)

    @property
    def fmp_elt(self) -> Path:
        return self.venv / "bin" / "fmp-elt"


def run(command: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=600, check=False, **kwargs
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


def build_wheel(out: Path) -> Path:
    command: list[str | Path] = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--wheel-dir", out, ROOT]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-build-isolation")  # the build backend is here already: no index needed
    run(command)
    (wheel,) = out.glob("fmp_elt-*.whl")
    return wheel


def snapshot(root: Path) -> Snapshot:
    """Every file, folder and link under `root` (links not followed) with its size and modification time."""
    found: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            info = (Path(folder) / name).lstat()
            found[os.path.relpath(Path(folder) / name, root)] = (info.st_size, info.st_mtime_ns)
    return found


def set_writable(root: Path, writable: bool) -> None:
    """Add or remove the write bits of every file and folder under `root` (links are left alone)."""
    write = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    for path in [root, *(Path(folder) / name for folder, dirs, files in os.walk(root) for name in [*dirs, *files])]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~write)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """A fresh virtualenv holding only the wheel built from this repository, its site-packages read-only."""
    tmp = tmp_path_factory.mktemp("installed")
    wheel = build_wheel(tmp / "dist")
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel])
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    # The dependencies, from the test environment. Listed as plain paths, their folders' own .pth files are not
    # run, so the editable install of the checkout there stays out of the way.
    borrowed = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site_packages / "fmp_elt_test_dependencies.pth").write_text("".join(f"{path}\n" for path in borrowed))

    probe = "import fmp_elt, fmp_elt.bundled as b; print(fmp_elt.__file__, b.dbt_project_dir(), b.expectations_dir())"
    empty = tmp / "probe"
    empty.mkdir()
    printed = run([python, "-c", probe], cwd=empty, env=installed_env(os.environ)).stdout.split()
    bundle = site_packages / "fmp_elt" / "_bundled"
    assert [Path(p) for p in printed] == [site_packages / "fmp_elt" / "__init__.py", *(bundle / n for n in FOLDERS)]

    set_writable(site_packages, False)
    yield Installed(venv, site_packages, snapshot(venv))
    set_writable(site_packages, True)  # so that the temporary folder can be removed


def installed_env(base: Mapping[str, str], **extra: str) -> dict[str, str]:
    """A user's environment: nothing of the checkout on the path, no bytecode written, telemetry off."""
    env = {key: value for key, value in base.items() if key != "PYTHONPATH"}
    env.update(PYTHONDONTWRITEBYTECODE="1", DO_NOT_TRACK="1", GX_ANALYTICS_ENABLED="false")
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", **extra)
    return env


def fmp_elt_installed(installed: Installed, cwd: Path, env: dict[str, str], *args: str) -> str:
    """`fmp-elt ARGS` from the installed console script; its output, after asserting it exited 0."""
    done = subprocess.run(
        [str(installed.fmp_elt), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"fmp-elt {' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def assert_nothing_written_outside_the_home(installed: Installed, cwd: Path) -> None:
    assert list(cwd.iterdir()) == []
    now = snapshot(installed.venv)
    assert sorted(set(now) - set(installed.files)) == [], "files added to the installation"
    assert sorted(path for path in installed.files if now.get(path) != installed.files[path]) == [], "changed"


def test_the_demo_runs_from_the_installed_wheel(
    installed: Installed,
    fresh_home: dict[str, str],  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    home = Path(fresh_home["FMP_ELT_HOME"])

    output = fmp_elt_installed(installed, cwd, installed_env(fresh_home), "demo", "--symbols", "4", "--days", "1")

    url = re.search(r"warehouse: (\S+)", output).group(1)
    site = Path(re.search(r"site \(dashboard, dbt docs, Data Docs\): (\S+)", output).group(1))
    completed = "select array_agg(distinct job_name order by job_name) from etl.executions where status = 'completed'"
    assert scalar(url, completed) == sorted(job.name for job in load_jobs())
    assert scalar(url, "select count(*) from etl.executions where status <> 'completed'") == 0
    assert site.is_file()
    assert site.is_relative_to(home)
    for page in ("dashboard/index.html", "dbt/index.html", "quality/index.html"):
        assert (site.parent / page).is_file(), page
    assert (home / "dbt" / "target" / "static_index.html").is_file()
    assert (home / "dbt" / "logs" / "dbt.log").is_file()
    assert (home / "site" / "quality" / "index.html").is_file()
    assert (home / "gx" / "gx" / "great_expectations.yml").is_file()
    assert_nothing_written_outside_the_home(installed, cwd)


def test_transform_and_validate_run_from_the_installed_wheel_on_a_database_url(
    installed: Installed,
    fresh_home: dict[str, str],  # noqa: F811 - the imported fixture
    database_url: str,
    fmp_simulator: Simulator,
    tmp_path: Path,
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    home = Path(fresh_home["FMP_ELT_HOME"])
    env = installed_env(
        fresh_home,
        DATABASE_URL=database_url,
        FMP_BASE_URL=fmp_simulator.base_url,
        FMP_API_KEY="test-key",
        FMP_RATE_LIMIT="6000",
    )
    for stream in ("symbols", "prices", "ratios"):
        fmp_elt_installed(installed, cwd, env, "extract", stream)

    transformed = fmp_elt_installed(installed, cwd, env, "transform", "--docs")
    validated = fmp_elt_installed(installed, cwd, env, "validate")

    assert f"docs: {home / 'dbt' / 'target' / 'static_index.html'}" in transformed
    for mart in ("symbols", "daily_prices", "daily_ma", "ratios"):
        assert scalar(database_url, f"select count(*) from marts.{mart}") > 0, mart
    assert f"Data Docs: {home / 'site' / 'quality' / 'index.html'}" in validated
    assert scalar(database_url, "select count(distinct dataset) from etl.data_quality") == len(DATASETS)
    assert (home / "site" / "quality" / "index.html").is_file()
    for page in (home / "site" / "quality").rglob("*.html"):  # its CSS and JS from the wheel, not a CDN
        assert_loads_only_files_of(page, home / "site" / "quality")
    assert (home / "gx" / "gx" / "great_expectations.yml").is_file()
    assert not (home / "pgdata").exists()  # the URL's server, not an embedded one
    assert_nothing_written_outside_the_home(installed, cwd)
