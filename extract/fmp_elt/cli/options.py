"""Options shared by several commands, parsed once into typed values with one-line errors."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import click

from fmp_elt.config import PLANS, parse_symbols


def _symbols(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    return parse_symbols(value) if value else None


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _shard(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not i/n, e.g. 1/4") from None
    if not 1 <= index <= count:
        raise click.BadParameter(f"{value!r}: need 1 <= i <= n")
    return index, count


def finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A number option that must be finite: click's FloatRange lets `nan` and `inf` through."""
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number of seconds")
    return value


symbols_option = click.option(
    "--symbols", callback=_symbols, help="Comma-separated tickers (default: the symbol universe)."
)
from_option = click.option("--from", "date_from", callback=_date, help="Backfill from this date (YYYY-MM-DD).")
to_option = click.option("--to", "date_to", callback=_date, help="Up to this date (YYYY-MM-DD), default today.")
full_refresh_option = click.option("--full-refresh", is_flag=True, help="Ignore cursors and refetch everything.")
shard_option = click.option("--shard", callback=_shard, help="Extract only shard i of n (i/n) of the symbols.")


def check_range(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise click.BadParameter(f"--from {date_from} is after --to {date_to}")


def extract_options(func: Any) -> Any:
    for option in reversed((symbols_option, from_option, to_option, full_refresh_option, shard_option)):
        func = option(func)
    return func


# The FMP plans, by name: what `demo --plan` and `simulate --plan` choose from (and FMP_PLAN accepts).
PLAN_CHOICE = click.Choice(list(PLANS))
