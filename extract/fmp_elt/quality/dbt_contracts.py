"""The marts' contracts as the dbt project declares them: the one place a mart's primary key is written."""

from __future__ import annotations

from functools import cache
from typing import Any

from fmp_elt import bundled, yaml_text
from fmp_elt.errors import ConfigError

MARTS_YAML = ("models", "marts", "_marts__models.yml")


@cache
def _marts() -> dict[str, dict[str, Any]]:
    path = bundled.dbt_project_dir().joinpath(*MARTS_YAML)
    models = yaml_text.load(path.read_text(encoding="utf-8"))["models"]
    return {model["name"]: model for model in models}


def primary_key(model: str) -> tuple[str, ...]:
    """The columns of `model`'s `primary_key` constraint."""
    found = _marts().get(model)
    keys = [c["columns"] for c in (found or {}).get("constraints", []) if c.get("type") == "primary_key"]
    if len(keys) != 1:
        raise ConfigError(f"the dbt contract of marts.{model} declares no single primary_key constraint")
    return tuple(keys[0])
