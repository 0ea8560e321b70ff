"""Shared fixtures: a real PostgreSQL and a real FMP simulator on loopback."""

from __future__ import annotations

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

from tests.fixtures.demo import demo  # noqa: F401
from tests.fixtures.postgres import database_url, pg_server_url, pg_template  # noqa: F401
from tests.fixtures.replay import replay_server  # noqa: F401
from tests.fixtures.simulator import fmp_simulator, make_simulator  # noqa: F401
