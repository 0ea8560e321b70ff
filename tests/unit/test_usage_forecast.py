"""The bandwidth forecast: bytes leave FMP's trailing 30-day window as they age, new ones arrive at the rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fmp_elt.status.usage import cap_reached_at, human_bytes

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)  # a fixed instant: the function takes `now`, it reads no clock
GB = 10**9


def test_old_use_ageing_out_postpones_the_cap() -> None:
    # 16 GB held, 15 of it 29 days old: a naive projection at 1 GB a day says 4 days; the 15 GB leave the window
    # tomorrow, so the cap is reached when 19 GB more have come: 19 days from now (the 1 GB stays until then).
    events = [(NOW - timedelta(days=29), 15 * GB), (NOW - timedelta(days=1), 1 * GB)]
    assert cap_reached_at(events, 20 * GB, 1 * GB, NOW) == NOW + timedelta(days=19)


def test_without_ageing_the_cap_comes_at_the_rate() -> None:
    events = [(NOW - timedelta(hours=2), 16 * GB)]
    assert cap_reached_at(events, 20 * GB, 1 * GB, NOW) == NOW + timedelta(days=4)


def test_a_rate_whose_30_days_stay_below_the_cap_never_reaches_it() -> None:
    events = [(NOW - timedelta(days=1), 1 * GB)]
    assert cap_reached_at(events, 20 * GB, 0.6 * GB, NOW) is None  # 18 GB a window at most
    assert cap_reached_at(events, 20 * GB, 0.0, NOW) is None


def test_a_window_already_over_the_cap_is_reached_now() -> None:
    assert cap_reached_at([(NOW - timedelta(days=3), 21 * GB)], 20 * GB, 0.0, NOW) == NOW


def test_bytes_read_in_decimal_units() -> None:
    assert [human_bytes(n) for n in (999, 1_000, 17 * GB, 150 * GB, 2_500 * GB)] == [
        "999 B", "1.0 kB", "17.0 GB", "150.0 GB", "2500.0 GB",
    ]  # fmt: skip
