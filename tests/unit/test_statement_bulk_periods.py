"""Which fiscal years and periods the weekly bulk run reads: every period the per-symbol path would re-read,
whatever month a company's fiscal year ends in, checked against the simulator's filing calendar."""

from __future__ import annotations

from datetime import date, timedelta

from fmp_elt.config import Settings
from fmp_elt.simulator.ratios import fiscal_quarters
from fmp_elt.streams.base import Cursor, ExtractOptions, StreamContext, Unit
from fmp_elt.streams.statements import STREAM
from fmp_elt.streams.statements_bulk import QUARTER_WINDOW, bulk_periods

# the longest and shortest filing lags (simulator/filings.py), a weekend on top of the longest
LONGEST = {"Q": timedelta(days=44 + 3), "FY": timedelta(days=75 + 3)}
SHORTEST = {"Q": timedelta(days=25), "FY": timedelta(days=50)}
RECENT = {"Q": 5, "FY": 2}


def must_read(today: date, fy_end_month: int) -> set[tuple[int, str]]:
    """The periods of one company the per-symbol path re-reads on `today` (the newest five quarters and two
    years filed, at the longest lag) and every period filed since (at the shortest)."""
    quarters = fiscal_quarters(fy_end_month, today - timedelta(days=4 * 365), today)
    out: set[tuple[int, str]] = set()
    for kind in ("Q", "FY"):
        periods = [(end, q if kind == "Q" else "FY", year) for end, q, year in quarters if kind == "Q" or q == "Q4"]
        filed = [p for p in periods if p[0] + LONGEST[kind] <= today][-RECENT[kind] :]
        oldest = filed[0][0] if filed else today
        out |= {(year, period) for end, period, year in periods if oldest <= end <= today - SHORTEST[kind]}
    return out


def test_december_2026_by_hand() -> None:
    assert bulk_periods(date(2026, 12, 7)) == [
        (2024, "FY"),
        (2025, "Q3"),
        (2025, "Q4"),
        (2025, "FY"),
        (2026, "Q1"),
        (2026, "Q2"),
        (2026, "Q3"),
        (2026, "Q4"),
        (2026, "FY"),
        (2027, "Q1"),
        (2027, "Q2"),
        (2027, "Q3"),
    ]


def test_every_period_re_read_per_symbol_is_read_in_bulk_every_week_for_every_fiscal_year_end() -> None:
    day = date(2024, 1, 1)
    while day < date(2027, 1, 1):
        read = set(bulk_periods(day))
        for month in range(1, 13):
            missing = must_read(day, month) - read
            assert not missing, (day, month, sorted(missing))
        assert 10 <= len(read) <= 14, day  # the weekly cost stays small
        day += timedelta(days=7)


def plan_units(
    plan: str, symbols: list[str], held: dict[str, date], interval: str = "0", **options: object
) -> list[Unit]:
    env = {"FMP_BASE_URL": "http://127.0.0.1:9", "FMP_API_KEY": "k", "FMP_PLAN": plan, "FMP_BULK_INTERVAL": interval}
    settings = Settings.from_env(env)
    ctx = StreamContext(settings, ExtractOptions(**options), TODAY)  # type: ignore[arg-type]
    cursors = {("statements", s): Cursor(newest, date(2010, 3, 31)) for s, newest in held.items()}
    return list(STREAM.units(symbols, cursors, ctx))


TODAY = date(2026, 12, 7)
UNIVERSE = [f"S{i:02d}" for i in range(10)]
RECENT_END = date(2026, 9, 30)


def test_ultimate_reads_held_symbols_in_bulk_and_new_or_stale_ones_per_symbol() -> None:
    held = dict.fromkeys(UNIVERSE[:8], RECENT_END) | {"S08": TODAY - QUARTER_WINDOW - timedelta(days=1)}
    units = plan_units("ultimate", UNIVERSE, held)
    assert [u.key for u in units] == ["statement-bulk", "S08", "S09"]
    assert [u.key for u in units[0].batch] == UNIVERSE[:8]


def test_other_plans_a_full_refresh_and_a_slower_bulk_stay_per_symbol() -> None:
    held = dict.fromkeys(UNIVERSE, RECENT_END)
    for plan in ("basic", "starter", "premium"):
        assert [u.key for u in plan_units(plan, UNIVERSE, held)] == UNIVERSE
    assert [u.key for u in plan_units("ultimate", UNIVERSE, held, full_refresh=True)] == UNIVERSE
    # 36 bulk calls 30 s apart (1,080 s) against 6 calls a symbol at 3,000 a minute (0.12 s): 9,000 symbols
    many = [f"S{i:05d}" for i in range(9001)]
    held = dict.fromkeys(many, RECENT_END)
    assert len(plan_units("ultimate", many[:9000], held, interval="30")) == 9000
    assert [u.key for u in plan_units("ultimate", many, held, interval="30")] == ["statement-bulk"]
