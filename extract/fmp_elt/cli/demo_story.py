"""What `fmp-elt demo --days N` replays: one scheduled run per trading day, with the events of a real few weeks.

Each day's run happens when the schedule of jobs.yml fires after that session closes (22:17 UTC on weekdays),
and runs the jobs whose schedule fired since the previous day's run (so `ratios`, weekly on Saturdays, runs on
the Mondays). Over the days the market has a split and a dividend, FMP refuses every price request for one day
(a plan gate that comes and goes, as FMP's entitlements do), and the next day's run recovers. The last day
is the newest closed session, replayed no later than now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from fmp_elt.job_config import JobConfig, downstream
from fmp_elt.trading_calendar import session_close, trading_days, trading_days_before

STORY_DAYS = 7  # the fewest days that hold the whole story: backfill, split, dividend, outage, recovery, calm
OUTAGE_STATUS = 402  # FMP's answer for a symbol outside the plan


@dataclass(frozen=True)
class Day:
    """One replayed daily run."""

    session: date
    at: datetime  # when the run starts, by the replayed clock
    jobs: list[str]
    split: bool = False
    dividend: bool = False
    outage: bool = False  # every per-symbol request is refused: `prices` fails, transform and quality skip

    @property
    def events(self) -> list[str]:
        return [name for name in ("split", "dividend", "outage") if getattr(self, name)]


def sessions(last: date, count: int) -> list[date]:
    """The `count` trading days ending on `last`, oldest first."""
    return trading_days(trading_days_before(last, count - 1), last)


def run_time(session: date, jobs: list[JobConfig]) -> datetime:
    """The first time a job's schedule fires after the session's close."""
    close = session_close(session).astimezone(UTC)  # cron schedules are in UTC
    return min(job.next_fire(close) for job in jobs)


def plan(days: list[date], jobs: list[JobConfig], now: datetime) -> list[Day]:
    """The runs to replay: every job on the first day, then the jobs whose schedule fired since the day before."""
    runs: list[tuple[date, datetime, list[str]]] = []
    previous: datetime | None = None
    for session in days:
        due = run_time(session, jobs)
        fired = {job.name for job in jobs if previous is None or job.next_fire(previous) <= due}  # (previous, due]
        wanted = downstream(jobs, fired)
        # the newest session may not have reached its scheduled run yet
        runs.append((session, min(due, now), [job.name for job in jobs if job.name in wanted]))
        previous = due
    split, dividend, outage = story_days(runs)
    return [
        Day(session, at, names, split=i == split, dividend=i == dividend, outage=i == outage)
        for i, (session, at, names) in enumerate(runs)
    ]


def story_days(runs: list[tuple[date, datetime, list[str]]]) -> tuple[int, int, int]:
    """Which runs get the split, the dividend and the outage (-1: none, with fewer than STORY_DAYS days).

    The outage falls on a plain weekday, one that runs no weekly job: a weekly job it failed would stay failed
    until the next week's run, and the demo ends on a green run. At least two runs follow it: the recovery and
    a calm day. The split and the dividend come before it."""
    if len(runs) < STORY_DAYS:
        return -1, -1, -1
    plain = min(len(names) for _, _, names in runs[1:])
    outage = max(i for i in range(3, len(runs) - 2) if len(runs[i][2]) == plain)
    split = max(1, outage // 3)
    return split, max(split + 1, outage * 2 // 3), outage
