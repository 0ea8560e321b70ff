"""The documentation site (MkDocs, from the checkout's docs/ and mkdocs.yml), built for `fmp-elt site`.

The docs are not part of the package: they are built from a checkout (an editable install, as the workflow uses)
when MkDocs is installed (the `docs` extra). Without either, the site says how to get them.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from fmp_elt.errors import FmpEltError

CHECKOUT = Path(__file__).resolve().parents[3]  # extract/fmp_elt/serve/ -> the repository, in a checkout


def mkdocs_config(root: Path = CHECKOUT) -> Path | None:
    config = root / "mkdocs.yml"
    return config if config.is_file() and (root / "docs").is_dir() else None


def build_docs(target: Path, root: Path = CHECKOUT) -> Path | None:
    """Build the docs into `target` (replaced); None when there is no checkout or no MkDocs to build with."""
    config = mkdocs_config(root)
    if config is None or importlib.util.find_spec("mkdocs") is None:
        return None
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean", "-f", str(config), "-d", str(target)]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600, check=False, env=quiet_env())
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise DocsBuildFailed(f"the docs site did not build: {last}")
    return target


def quiet_env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


class DocsBuildFailed(FmpEltError):
    """mkdocs failed (a broken page): the rest of the site is still written."""
