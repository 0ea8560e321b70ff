"""What the configured jobs declare for the runner's fork server to preload (`PRELOAD`): real modules, and not
imported by the job module itself (else importing it, as the runner does to read the list, would be slow)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

from fmp_elt.job_config import load_jobs
from fmp_elt.orchestration.attempt_process import preload_modules

JOB_MODULES = sorted({job.module for job in load_jobs()})


def test_the_quality_job_has_great_expectations_preloaded_and_every_name_is_a_module() -> None:
    preloaded = preload_modules(JOB_MODULES)
    assert "great_expectations" in preloaded
    assert set(JOB_MODULES) <= set(preloaded)
    # the fork server skips a name it cannot import without a word: a typo would silently preload nothing
    assert [name for name in preloaded if importlib.util.find_spec(name) is None] == []


def test_importing_the_job_modules_imports_none_of_their_preloads() -> None:
    script = (
        "import importlib, json, sys\n"
        f"modules = {JOB_MODULES!r}\n"
        "declared = {}\n"
        "for name in modules:\n"
        "    declared[name] = list(getattr(importlib.import_module(name), 'PRELOAD', ()))\n"
        "print(json.dumps({n: [m for m in d if m in sys.modules] for n, d in declared.items()}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == {name: [] for name in JOB_MODULES}
