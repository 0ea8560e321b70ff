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
    by_session = {d.session: d.jobs for d in days}
    assert by_session[date(2026, 11, 20)] == WEEKDAY_JOBS  # a Friday
    # Saturday's ratios schedule fired before Monday's run: ratios, and what depends on it
    assert by_session[date(2026, 11, 23)] == ["symbols", "prices", "ratios", "transform", "quality", "site"]
    assert all(a.at < b.at for a, b in itertools.pairwise(days))


def test_the_newest_session_is_replayed_no_later_than_now() -> None:
    now = datetime(2026, 11, 30, 21, 30, tzinfo=UTC)  # Monday, closed, before the 22:17 run
    days = plan(sessions(date(2026, 11, 30), 3), JOBS, now)
    assert days[-1].at == now
    assert days[-1].jobs == ["symbols", "prices", "ratios", "transform", "quality", "site"]


def test_the_story_puts_split_dividend_and_outage_on_separate_days_before_a_calm_end() -> None:
    for count, last in itertools.product((STORY_DAYS, 8, 20, 60), (date(2026, 11, 30), date(2026, 12, 3))):
        days = plan(sessions(last, count), JOBS, datetime(2026, 12, 4, tzinfo=UTC))
        marked = [i for i, d in enumerate(days) if d.events]
        assert [days[i].events for i in marked] == [["split"], ["dividend"], ["outage"]], count
        assert marked[0] > 0
        assert marked[-1] <= count - 3  # a recovery day and a calm last day follow
        assert days[marked[-1]].jobs == WEEKDAY_JOBS  # no weekly job fails in the outage and stays failed
    short = plan(sessions(date(2026, 11, 30), STORY_DAYS - 1), JOBS, datetime(2026, 12, 2, tzinfo=UTC))
    assert not any(d.events for d in short)
