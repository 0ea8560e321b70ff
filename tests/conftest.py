"""Shared fixtures: a real PostgreSQL and a real FMP simulator on loopback.

Under pytest-xdist (`tests/run.sh` runs `--dist loadscope`), a module's tests run on one worker, so a warehouse
built once for the module (a module-scoped fixture) is built once per run; the modules reading the session's
`demo` share a worker too. Each worker has its own embedded PostgreSQL, data folder and port range.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


def use_a_home_of_this_process() -> None:
    """A data folder per test process: what a test runs without a home of its own (the GX project, dbt's target)
    lands there, never in the user's ~/.local/share/fmp-elt, which another worker or another checkout's suite may
    be writing at the same moment. xdist workers inherit the controller's variables, hence the owner's name."""
    process = os.environ.get("PYTEST_XDIST_WORKER", "main")
    owner = os.environ.get("FMP_ELT_TEST_HOME_OF")
    if "FMP_ELT_HOME" in os.environ and owner in (None, process):
        return  # a folder the caller chose, or this process's own
    os.environ["FMP_ELT_HOME"] = tempfile.mkdtemp(prefix=f"fmp-elt-test-home-{process}-")
    os.environ["FMP_ELT_TEST_HOME_OF"] = process


use_a_home_of_this_process()

from tests.fixtures.demo import demo  # noqa: E402, F401
from tests.fixtures.postgres import database_url, pg_server_url, pg_template  # noqa: E402, F401
from tests.fixtures.replay import replay_server  # noqa: E402, F401
from tests.fixtures.simulator import fmp_simulator, make_simulator  # noqa: E402, F401

# Modules whose tests read the session's `demo`: one worker runs them all, so the demo is replayed once per run.
DEMO_MODULES = ("tests/e2e/test_demo.py", "tests/e2e/test_dashboard.py")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadscope`, a module per worker at a time (a module-scoped warehouse is built once), with the demo's
    modules as one unit. (`--dist loadgroup` would read marks, but xdist 3.8 cannot tag pytest 9.2's node ids.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "demo" if module in DEMO_MODULES else module

    return ModuleScheduling(config, log)


def shares_a_costly_fixture(item: pytest.Item) -> bool:
    """Whether the test reads the demo or a fixture built once per module (a warehouse, a wheel)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    if "demo" in info.names_closure:
        return True
    return any(
        definition.scope in ("module", "class", "package")
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The modules building a warehouse or reading the demo are the long runs: handed out first, they do not
    # finish last on one worker while the others idle. The sort is stable: a module's tests keep their order.
    costly = {item.nodeid.split("::", 1)[0] for item in items if shares_a_costly_fixture(item)}
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in costly)
