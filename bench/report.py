"""One row per measured figure, printed as a Markdown table (pasteable into BENCHMARKS.md)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    """A figure next to its reference measured in the same run, and the check set on the pair."""

    benchmark: str
    measured: str
    reference: str = ""
    ratio: str = ""
    check: str = ""  # "PASS (...)", "FAIL (...)" or "" for figures given for information
    scale: str = ""

    @property
    def failed(self) -> bool:
        return self.check.startswith("FAIL")


def verdict(ok: bool, rule: str) -> str:
    return f"{'PASS' if ok else 'FAIL'} ({rule})"


MIN_RATE_SECONDS = 10.0  # shorter runs are mostly the bucket's initial burst: too short to judge a rate


def rate_verdict(achieved: float, limit: int, seconds: float) -> str:
    if seconds < MIN_RATE_SECONDS:
        return f"n/a (run under {MIN_RATE_SECONDS:.0f} s)"
    return verdict(0.95 * limit <= achieved <= limit, "95-100% of the limit")


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def number(value: float, unit: str = "") -> str:
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return f"{text} {unit}".strip()


HEADERS = ("benchmark", "measured", "reference (same run)", "ratio", "check", "scale")


def table(rows: list[Row]) -> str:
    cells = [HEADERS, *((r.benchmark, r.measured, r.reference, r.ratio, r.check, r.scale) for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADERS))]

    def line(values: tuple[str, ...]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(c) for c in cells[1:])])


def write_json(path: Path, rows: list[Row], machine: dict[str, str]) -> None:
    path.write_text(json.dumps({"machine": machine, "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
