"""Shared fixtures: a real PostgreSQL and a real FMP simulator on loopback.

Under pytest-xdist (`tests/run.sh` runs `--dist loadgroup`), tests sharing a costly fixture stay on one worker:
a module's tests when they share a module-scoped fixture (a warehouse built once for the module), and every
test reading the session's `demo`. Each worker has its own embedded PostgreSQL and its own port range.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

from tests.fixtures.demo import demo  # noqa: F401
from tests.fixtures.postgres import database_url, pg_server_url, pg_template  # noqa: F401
from tests.fixtures.replay import replay_server  # noqa: F401
from tests.fixtures.simulator import fmp_simulator, make_simulator  # noqa: F401

# Session fixtures made once per run, not once per worker: the tests using them share a worker.
SHARED_SESSION_FIXTURES = ("demo",)


def xdist_group(item: pytest.Item) -> str | None:
    """The group an xdist worker runs whole, or None: any worker may take the test."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for name in SHARED_SESSION_FIXTURES:
        if name in info.names_closure:
            return name
    for definitions in info.name2fixturedefs.values():
        if any(definition.scope in ("module", "class", "package") for definition in definitions):
            return item.nodeid.split("::")[0]
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    groups = {item.nodeid: xdist_group(item) for item in items}
    for item in items:
        group = groups[item.nodeid]
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    # The groups are the long runs (a demo, a module's dbt builds): handed out first, they do not finish last
    # on one worker while the others idle. The sort is stable: a module's tests keep their order.
    items.sort(key=lambda item: groups[item.nodeid] is None)
