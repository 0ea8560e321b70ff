"""What every endpoint handler gets (the call) and the small parameter parsers they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fmp_elt.simulator import responses
from fmp_elt.simulator.faults import Faults
from fmp_elt.simulator.market_state import Market
from fmp_elt.simulator.plans import Plan
from fmp_elt.simulator.responses import Response

Record = dict[str, Any]


@dataclass(frozen=True)
class CsvTable:
    """A bulk answer: CSV with a quoted header, quoted strings and bare numbers."""

    columns: tuple[str, ...]
    rows: list[Record] = field(default_factory=list)


Payload = list[Record] | CsvTable | Response


class Reply(Exception):
    """Raised by a handler to answer right away (a 400 or 402)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass(frozen=True)
class Call:
    query: dict[str, str]
    plan: Plan
    market: Market
    faults: Faults = field(default_factory=Faults)

    def text(self, name: str) -> str | None:
        value = self.query.get(name)
        return value if value not in (None, "") else None

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise Reply(responses.query_error(name))
        return value

    def optional_date(self, name: str) -> date | None:
        value = self.text(name)
        return None if value is None else self._parse_date(name, value)

    def required_date(self, name: str) -> date:
        return self._parse_date(name, self.required(name))

    @staticmethod
    def _parse_date(name: str, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise Reply(responses.query_error(name)) from None

    def integer(self, name: str, default: int) -> int:
        value = self.text(name)
        try:
            return int(value) if value is not None else default
        except ValueError:
            return default

    def symbol(self) -> str | None:
        """The one symbol of a per-symbol endpoint; None for a comma list (FMP answers those with [])."""
        symbol = self.required("symbol")
        if "," in symbol:
            return None
        if self.plan.name == "basic" and symbol not in self.market.basic_symbols:
            raise Reply(responses.text(402, responses.premium_value("symbol")))
        return symbol
