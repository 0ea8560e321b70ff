"""YAML read with libyaml's parser when PyYAML has it (its wheels do): the dbt marts' contracts (110 kB, read by
every command that loads the quality suites) parse in 0.03 s instead of 0.18 s with the pure-Python one."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """The document in `text`, as `yaml.safe_load` reads it (plain data only); raises yaml.YAMLError."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, the C build of SafeLoader
