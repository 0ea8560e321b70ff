"""The processes job attempts run in: forks of a server that has already imported what the jobs import.

A fresh interpreter per attempt re-imports the package, psycopg2, requests and, for the quality job, Great
Expectations (seconds of CPU each time). Instead the runner starts one multiprocessing "forkserver" per process,
which imports the due jobs' modules and what they declare in `PRELOAD` (a tuple of module names, read without
importing anything heavy: the declaring module only names them), and every attempt is a fork of it.

A fork starts with the server's state, not the runner's: the environment and working directory the server had
when it started. `adopt` gives the attempt the runner's, exactly, so that a variable the runner changed between
two runs (the demo's replay clock, `FMP_ELT_REPLAY_LAG`) is what the job reads. The package keeps no state
computed from the environment at import time (checked by tests/integration/test_attempt_process.py).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

PRELOAD_ATTRIBUTE = "PRELOAD"
# imported by every attempt whatever its job: the runner's child side (psycopg2, requests and the package with it)
ALWAYS_PRELOADED = ("fmp_elt.orchestration.runner",)


def preload_modules(modules: Iterable[str]) -> list[str]:
    """The job modules, then what each declares in `PRELOAD`, without duplicates.

    A module that cannot be imported here is left to the attempt, which reports the error as the job's.
    """
    wanted: dict[str, None] = dict.fromkeys(ALWAYS_PRELOADED)
    for name in modules:
        wanted[name] = None
        try:
            declared = getattr(importlib.import_module(name), PRELOAD_ATTRIBUTE, ())
        except Exception as exc:  # the attempt imports it again and records why it fails
            log.debug("not preloading for %s: %s", name, exc)
        else:
            wanted.update(dict.fromkeys(str(module) for module in declared))
    return list(wanted)


def preload(modules: Iterable[str]) -> None:
    """Have the fork server preload `modules` (see `preload_modules`) when it starts, at the first attempt.

    One server serves the process for its lifetime (multiprocessing keeps one): a later run whose jobs need
    modules the server did not preload imports them in its attempts, as a fresh interpreter would.
    """
    multiprocessing.get_context("forkserver").set_forkserver_preload(preload_modules(modules))


def adopt(environ: Mapping[str, str], cwd: str) -> None:
    """Make this process's environment exactly `environ` and its working directory `cwd`."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environ)


def follow_runner(runner: int, interval: float = 0.2) -> None:
    """Kill this attempt's process group when the runner dies.

    Its own session keeps the attempt out of reach of a signal sent to the runner's group (a SIGKILL of `fmp-elt
    run`, an OOM kill): without this, an orphaned dbt would go on writing beside the next run's. The attempt's
    parent is the fork server, which outlives the runner while an attempt holds the server's lifeline, so the
    runner itself is watched: through a pidfd where the kernel has them (a dead runner is seen even before its
    parent reaps it), else by polling its pid.
    """
    try:
        pidfd = os.pidfd_open(runner)
    except ProcessLookupError:
        os.killpg(0, signal.SIGKILL)  # gone before the attempt started
        return
    except (AttributeError, OSError):
        pidfd = -1

    def watch() -> None:
        if pidfd >= 0:
            select.select([pidfd], [], [])  # readable once the runner has exited
        else:
            while _alive(runner):
                time.sleep(interval)
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, name="follow-runner", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError, IndexError):  # a zombie has exited: it only waits to be reaped
        return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0] != "Z"
    return True
