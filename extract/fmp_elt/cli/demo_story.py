"""What `fmp-elt demo --days N` replays: the scheduled runs of N trading days, with the events of a real few weeks.

Each day's run happens when the schedule of jobs.yml fires after that session closes (22:17 UTC on weekdays),
and runs the jobs whose schedule fired since the run before. Between two days, every other fire of a schedule
is replayed too, as the workflow's cron runs it: `ratios`, weekly on Saturday mornings, runs then with what
depends on it, so its runs are on time. A fire on a market holiday is not replayed (there is no session).
Over the days the market has a split and a dividend, a bad print (one symbol's prices of one day ten times too
high, as FMP serves it from then on, which the anomaly check flags), the universe changes (a new symbol lists, a
later day another delists, so the universe's size steps up and back down), FMP refuses every price request
for one day (a plan gate that comes and goes, as FMP's entitlements do), and the next day's run recovers. The
last day is the newest closed session, and the fires after its run that have come by now are replayed too
(Saturday's `ratios` when the demo runs on a Monday); the last run publishes the site, as the workflow's site
step does after every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fmp_elt.job_config import JobConfig, downstream
from fmp_elt.trading_calendar import ONE_DAY, is_market_holiday, session_close, trading_days, trading_days_before

STORY_DAYS = 7  # the fewest days that hold the whole story: backfill, split, dividend, outage, recovery, calm
BAD_PRINT_FACTOR = 10.0
PUBLISH_JOB = "site"  # the job that builds the site: the last replayed run always runs it
OUTAGE_STATUS = 402  # FMP's answer for a symbol outside the plan


@dataclass(frozen=True)
class Day:
    """One replayed run: a session's daily run, or another fire of a schedule after it (`daily` false)."""

    session: date  # the newest session at the run
    at: datetime  # when the run starts, by the replayed clock
    jobs: list[str]
    daily: bool = True
    split: bool = False
    dividend: bool = False
    bad_print: bool = False  # one symbol's prices of the session served ten times too high, from now on
    listing: bool = False  # a new symbol lists on the session: the screener adds it
    delisting: bool = False  # a symbol's listing ends on the session: the screener drops it
    outage: bool = False  # every per-symbol request is refused: `prices` fails, transform and quality skip

    @property
    def events(self) -> list[str]:
        names = ("split", "listing", "dividend", "bad_print", "delisting", "outage")
        return [name for name in names if getattr(self, name)]


def sessions(last: date, count: int) -> list[date]:
    """The `count` trading days ending on `last`, oldest first."""
    return trading_days(trading_days_before(last, count - 1), last)


def run_time(session: date, jobs: list[JobConfig]) -> datetime:
    """The first time a job's schedule fires after the session's close."""
    close = session_close(session).astimezone(UTC)  # cron schedules are in UTC
    return min(job.next_fire(close) for job in jobs)


def plan(days: list[date], jobs: list[JobConfig], now: datetime) -> list[Day]:
    """The runs to replay: every job on the first day, then at each fire the jobs whose schedule fired since the
    run before (and their downstream jobs)."""
    runs: list[Day] = []
    previous: datetime | None = None
    for session in days:
        due = run_time(session, jobs)
        if previous is not None:
            for at in other_fires(jobs, previous, min(due, now)):
                runs.append(Day(runs[-1].session, at, fired_jobs(jobs, previous, at), daily=False))
                previous = at
        # the newest session may not have reached its scheduled run yet
        runs.append(Day(session, min(due, now), fired_jobs(jobs, previous, due)))
        previous = due
    if previous is not None and previous < now:
        following = trading_days(days[-1] + ONE_DAY, days[-1] + timedelta(days=10))[0]  # a session not replayed
        for at in other_fires(jobs, previous, min(now, run_time(following, jobs))):
            runs.append(Day(runs[-1].session, at, fired_jobs(jobs, previous, at), daily=False))
            previous = at
    if runs and PUBLISH_JOB not in runs[-1].jobs and any(job.name == PUBLISH_JOB for job in jobs):
        runs[-1] = Day(runs[-1].session, runs[-1].at, [*runs[-1].jobs, PUBLISH_JOB], daily=runs[-1].daily)
    events = story_days(runs)
    return [Day(**{**vars(day), **{name: i == at for name, at in events.items()}}) for i, day in enumerate(runs)]


def fired_jobs(jobs: list[JobConfig], previous: datetime | None, at: datetime) -> list[str]:
    """The jobs whose schedule fired in (previous, at] (all of them at the first run), with their dependents."""
    fired = {job.name for job in jobs if previous is None or job.next_fire(previous) <= at}
    wanted = downstream(jobs, fired)
    return [job.name for job in jobs if job.name in wanted]


def other_fires(jobs: list[JobConfig], after: datetime, before: datetime) -> list[datetime]:
    """Every fire of a schedule strictly between two daily runs, market holidays left out, oldest first."""
    fires: list[datetime] = []
    moment = after
    while (moment := min(job.next_fire(moment) for job in jobs)) < before:
        if not is_market_holiday(moment):
            fires.append(moment)
    return fires


def story_days(runs: list[Day]) -> dict[str, int]:
    """Which runs get each event (-1 each: none, with fewer than STORY_DAYS daily runs).

    Events fall on daily runs. The outage falls on a plain weekday, one that runs no weekly job: a weekly job it
    failed would stay failed until the next week's run, and the demo ends on a green run. At least two daily
    runs follow it: the recovery and a calm day. The other events come before it: the new listing with the split,
    the bad print with the dividend, the delisting the day after."""
    daily = [i for i, day in enumerate(runs) if day.daily]
    if len(daily) < STORY_DAYS:
        return dict.fromkeys(("split", "listing", "dividend", "bad_print", "delisting", "outage"), -1)
    plain = min(len(runs[i].jobs) for i in daily[1:])
    outage = max(n for n in range(3, len(daily) - 2) if len(runs[daily[n]].jobs) == plain)
    split = max(1, outage // 3)
    dividend = max(split + 1, outage * 2 // 3)
    at = {"split": split, "listing": split, "dividend": dividend, "bad_print": dividend, "delisting": dividend + 1}
    at["outage"] = outage  # after the delisting: outage >= 4 with STORY_DAYS daily runs, dividend <= outage * 2 // 3
    return {name: daily[n] for name, n in at.items()}
