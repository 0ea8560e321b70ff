"""Serving what the pipeline did: the status/logs API with the dashboard, and the static-site export."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# The dashboard page and its assets, served by the API and copied into the static site.
STATIC_DIR = Path(str(resources.files("fmp_elt.serve") / "static"))
