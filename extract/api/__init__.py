"""The status/logs API, the dashboard and the read-side queries behind them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# The dashboard page and its assets, served by the API and copied into the static site.
STATIC_DIR = Path(str(resources.files("extract.api") / "static"))
