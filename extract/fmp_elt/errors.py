"""Errors the CLI turns into one clear line and an exit code."""

from __future__ import annotations


class FmpEltError(Exception):
    """Base class: carries the exit code the CLI should use."""

    exit_code = 1


class ConfigError(FmpEltError):
    """Bad configuration or usage: exit code 2, one line, no traceback."""

    exit_code = 2


class WarehouseUnavailable(FmpEltError):
    """The database cannot be reached."""

    exit_code = 2
