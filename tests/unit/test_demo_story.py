"""The days `fmp-elt demo --days N` replays: when each run happens, which jobs it runs, where the events fall."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from fmp_elt.cli.demo_story import STORY_DAYS, plan, sessions
from fmp_elt.job_config import load_jobs

JOBS = load_jobs()
WEEKDAY_JOBS = ["symbols", "prices", "transform", "quality", "site"]


def test_sessions_are_the_trading_days_ending_on_the_last() -> None:
    # 2026-11-26 is Thanksgiving; the weekend is not a session either
    assert sessions(date(2026, 11, 30), 4) == [
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 27),
        date(2026, 11, 30),
    ]


def test_each_day_runs_at_its_scheduled_time_with_the_jobs_that_fired() -> None:
    days = plan(sessions(date(2026, 11, 30), 7), JOBS, datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    assert [d.at for d in days][:2] == [
        datetime(2026, 11, 19, 22, 17, tzinfo=UTC),
        datetime(2026, 11, 20, 22, 17, tzinfo=UTC),
    ]
    assert days[0].jobs == [job.name for job in JOBS]  # the first run backfills everything
    by_time = {d.at: (d.session, d.jobs, d.daily) for d in days}
    assert by_time[datetime(2026, 11, 20, 22, 17, tzinfo=UTC)][1] == WEEKDAY_JOBS  # a Friday
    # Saturday morning the weekly schedule fires: ratios, statements and their dependents, on Friday's session
    saturday = by_time[datetime(2026, 11, 21, 9, 37, tzinfo=UTC)]
    assert saturday == (date(2026, 11, 20), ["ratios", "statements", "transform", "quality"], False)
    assert by_time[datetime(2026, 11, 23, 22, 17, tzinfo=UTC)][1] == WEEKDAY_JOBS  # ratios is not due again
    # Thanksgiving's 22:17 fire is no run; the next day's run catches up
    assert not any(d.at.date() == date(2026, 11, 26) for d in days)
    assert len([d for d in days if d.daily]) == 7
    assert len(days) == 9  # and the two Saturdays
    assert all(a.at < b.at for a, b in itertools.pairwise(days))


def test_the_fires_after_the_last_days_run_are_replayed_and_the_last_run_publishes_the_site() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # Monday before the close: the last session is Friday's
    days = plan(sessions(date(2026, 11, 27), 7), JOBS, now)
    assert (days[-1].at, days[-1].daily) == (datetime(2026, 11, 28, 9, 37, tzinfo=UTC), False)
    assert days[-1].jobs == ["ratios", "statements", "transform", "quality", "site"]
    assert days[-2].at == datetime(2026, 11, 27, 22, 17, tzinfo=UTC)


def test_the_newest_session_is_replayed_no_later_than_now() -> None:
    now = datetime(2026, 11, 30, 21, 30, tzinfo=UTC)  # Monday, closed, before the 22:17 run
    days = plan(sessions(date(2026, 11, 30), 3), JOBS, now)
    assert days[-1].at == now
    assert days[-1].jobs == WEEKDAY_JOBS  # ratios ran on Saturday


def test_the_story_puts_split_dividend_and_outage_on_separate_days_before_a_calm_end() -> None:
    for count, last in itertools.product((STORY_DAYS, 8, 20, 60), (date(2026, 11, 30), date(2026, 12, 3))):
        days = plan(sessions(last, count), JOBS, datetime(2026, 12, 4, tzinfo=UTC))
        daily = [d for d in days if d.daily]
        assert all(not d.events for d in days if not d.daily)
        marked = [i for i, d in enumerate(daily) if d.events]
        assert [daily[i].events for i in marked] == [
            ["split", "listing"],
            ["dividend", "bad_print"],
            ["delisting"],
            ["outage"],
        ], count
        assert marked[0] > 0
        assert marked[-1] <= count - 3  # a recovery day and a calm last day follow
        assert daily[marked[-1]].jobs == WEEKDAY_JOBS  # no weekly job fails in the outage and stays failed
    short = plan(sessions(date(2026, 11, 30), STORY_DAYS - 1), JOBS, datetime(2026, 12, 2, tzinfo=UTC))
    assert not any(d.events for d in short)
