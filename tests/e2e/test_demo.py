"""The README's first command: `fmp-elt demo` on a machine with nothing running replays daily runs against the
simulator on its own embedded PostgreSQL, with a split, a dividend, an outage and its recovery, and publishes a
site that shows the last, green run with a history behind it."""

from __future__ import annotations

import itertools
import json
import os
import re
from collections import Counter
from datetime import UTC, timedelta

import pytest

from fmp_elt.config import PLANS
from fmp_elt.job_config import load_jobs
from fmp_elt.status import queries, universe
from fmp_elt.trading_calendar import latest_session
from fmp_elt.warehouse.connection import connect
from tests.fixtures.demo import Demo, fmp_elt
from tests.fixtures.postgres import query, scalar

# The replayed days end on the latest session by the clock. The first test waits for the whole demo (seven
# daily runs, dbt and GX in each), longer than the suite's default timeout on a busy machine.
pytestmark = [pytest.mark.clock, pytest.mark.timeout(2400)]


def snapshot(demo: Demo, key: str) -> dict:
    return json.loads((demo.site.parent / "dashboard" / "data" / f"{key}.json").read_text())


def test_the_demo_lands_every_stream_and_builds_the_site(demo: Demo) -> None:
    url = demo.url
    for table in ("raw.fmp_symbols", "raw.fmp_prices", "raw.fmp_prices_adjusted", "raw.fmp_ratios"):
        assert scalar(url, f"select count(*) from {table}") > 0, table
    for mart in ("marts.symbols", "marts.daily_prices", "marts.daily_ma", "marts.ratios"):
        assert scalar(url, f"select count(*) from {mart}") > 0, mart
    assert scalar(url, "select max(price_date) from marts.daily_prices") == latest_session()
    index = demo.site.read_text()
    for page in ("dashboard/index.html", "dbt/index.html", "quality/index.html"):
        assert page in index
        assert (demo.site.parent / page).is_file()


def test_each_replayed_day_is_one_run_recorded_on_its_day(demo: Demo) -> None:
    runs = query(demo.url, "select run_id, min(start_time), max(end_time) from etl.executions group by 1 order by 2")
    replayed = demo.runs
    assert len(runs) == len(replayed) > demo.days  # a run a day, and the Saturday runs of `ratios`
    lags = [started - run.at for (_, started, _), run in zip(runs, replayed, strict=True)][:-1]
    assert all(timedelta(0) <= lag < timedelta(minutes=1) for lag in lags), lags  # each at its fire
    assert all(earlier[2] < later[1] for earlier, later in itertools.pairwise(runs))
    # raw rows and quality checks carry the replayed times too: one load time per day, one check per run
    loads = scalar(demo.url, "select count(distinct (_loaded_at at time zone 'UTC')::date) from raw.fmp_prices")
    # every replayed run of `prices` but the outage's lands on its own day (a weekday fire on a market holiday too)
    landing = {run.at.astimezone(UTC).date() for run in demo.runs if "prices" in run.jobs and not run.outage}
    assert loads == len(landing) >= demo.days - 1
    checks = scalar(demo.url, "select count(distinct checked_at) from etl.data_quality")
    assert checks == demo.quality_runs  # no quality run on the outage day (transform and quality skipped)


def test_the_outage_fails_prices_once_and_its_recovery_is_announced(demo: Demo) -> None:
    failed = query(
        demo.url, "select job_name, error_message from etl.executions where status = 'failed' order by job_name"
    )
    assert [name for name, _ in failed] == ["prices", "quality", "transform"]  # the outage is on a plain weekday
    assert "not in your FMP plan" in dict(failed)["prices"]
    assert "alert: fmp-elt job failed: job prices" in demo.output
    assert "alert: fmp-elt recovered: job prices" in demo.output
    alerts = query(demo.url, "select cause, status, sent_count from etl.alert_state order by cause")
    # the outage's alert resolved; the bad print's anomaly alert stays open (FMP keeps serving the print)
    assert alerts == [("anomalies:prices", "open", 1), ("job:prices", "resolved", 1)]
    # nothing was lost: the day after, the incremental run fetched the day the outage missed
    assert scalar(demo.url, "select count(*) from etl.stream_failures") == 0


def test_the_split_and_the_dividend_readjust_history_without_a_refetch(demo: Demo) -> None:
    refetched = dict(
        query(demo.url, "select stream, sum(full_refetches)::int from etl.stream_state group by 1 order by 1")
    )
    assert refetched["prices"] == 0, refetched  # the as-traded base never changes with an event
    assert "splits 2-for-1" in demo.output
    assert "goes ex-dividend" in demo.output
    split_symbol = re.search(r"(\S+) splits 2-for-1", demo.output)
    assert split_symbol is not None
    symbol = split_symbol.group(1)
    [(split_date,)] = query(demo.url, "select max(split_date) from marts.splits where symbol = %s", (symbol,))
    # the days before the split are halved by our factor: the close does not jump, nothing is flagged
    [(before, on)] = query(
        demo.url,
        "select (select close from marts.daily_prices where symbol = %(s)s and price_date < %(d)s"
        " order by price_date desc limit 1),"
        " (select traded_close from marts.daily_prices where symbol = %(s)s and price_date < %(d)s"
        " order by price_date desc limit 1)",
        {"s": symbol, "d": split_date},
    )
    assert before * 2 == on
    flagged = query(
        demo.url,
        "select anomaly from marts.price_anomalies where symbol = %s and price_date = %s",
        (symbol, split_date),
    )
    assert flagged == []


def test_the_site_shows_the_last_run_healthy_with_a_history_for_every_chart(demo: Demo) -> None:
    status = snapshot(demo, "status")
    assert status["overallStatus"] == "healthy"
    assert {job["status"] for job in status["jobs"]} == {"success"}
    executions = snapshot(demo, "executions")["executions"]
    assert "running" not in {run["status"] for run in executions}
    drawn = Counter(run["jobName"] for run in executions if not run["metadata"].get("skipped"))
    assert set(drawn) == {job.name for job in load_jobs()}
    assert min(drawn.values()) > 1, drawn  # run duration and rows per run: every job's line has a history
    checks = Counter(check["dataset"] for check in snapshot(demo, "quality")["checks"])
    assert min(checks.values()) == demo.quality_runs, checks  # the quality trend: one point per quality run
    assert drawn["ratios"] == sum("ratios" in run.jobs for run in demo.runs)  # the first day, then Saturdays


def test_replayed_days_record_what_they_left_to_the_last_run(demo: Demo) -> None:
    rows = query(
        demo.url,
        "select run_id, job_name, metadata->'omitted', metadata->'dbt'->'counts' ? 'test', metadata->'gx'->>'docs'"
        " from etl.executions where job_name in ('transform', 'quality') and status = 'completed'"
        " order by start_time",
    )
    last_run = rows[-1][0]
    replayed = [row for row in rows if row[0] != last_run]
    assert len(replayed) == 2 * (demo.quality_runs - 1)  # neither the outage day nor the last day
    for _, job, omitted, tested, docs in replayed:
        if job == "transform":  # models built, their data tests and docs left out
            assert (omitted, tested) == (["dbtDataTests", "dbtDocs"], False)
        else:  # validated and recorded, no Data Docs
            assert (omitted, docs) == (["dataDocs"], None)
    last = {job: (omitted, tested, docs) for run_id, job, omitted, tested, docs in rows if run_id == last_run}
    assert last["transform"][:2] == (None, True)
    assert last["quality"][0] is None
    assert last["quality"][2].endswith("index.html")


def test_the_universe_change_and_the_bad_print_show_where_they_belong(demo: Demo) -> None:
    """A symbol lists, later another delists: the universe's history steps; the bad print is flagged."""
    listed = re.search(r"(\S+) lists", demo.output).group(1)
    left = re.search(r"(\S+) delists", demo.output).group(1)
    assert query(demo.url, "select symbol from marts.symbol_history where valid_to is not null") == [(left,)]
    [(first_seen,)] = query(demo.url, "select min(valid_from) from marts.symbol_history where symbol = %s", (listed,))
    assert first_seen > scalar(demo.url, "select min(valid_from) from marts.symbol_history")
    conn = connect(demo.url)
    try:
        sizes = [point.symbols for point in universe.universe(conn).history]
    finally:
        conn.close()
    assert sizes == [sizes[0], sizes[0] + 1, sizes[0]], sizes  # up on the listing, back down on the delisting
    printed = re.search(r"(\S+) prints 10x its price", demo.output).group(1)
    kinds = query(demo.url, "select anomaly from marts.price_anomalies where symbol = %s", (printed,))
    assert ("price_spike",) in kinds, kinds


def test_availability_after_the_demo_counts_every_fire_on_time_but_the_outages(demo: Demo) -> None:
    """Every job ran at each of its fires: `ratios` on its Saturdays, on time; the daily jobs on every session
    (no run on a holiday is owed), where only the outage failed `prices`."""
    conn = connect(demo.url)
    try:
        found = {job.name: job.availability for job in queries.metrics(conn, load_jobs(), PLANS["premium"]).jobs}
    finally:
        conn.close()
    saturdays = sum(not run.daily for run in demo.runs)
    assert (found["ratios"].scheduled, found["ratios"].on_time) == (saturdays, saturdays)
    daily = found["symbols"].scheduled
    assert daily >= demo.days - 1  # the newest fire counts two hours after it
    assert (found["symbols"].completed, found["symbols"].on_time) == (daily, daily)
    assert found["prices"].completed == daily - 1


def test_status_after_the_premium_demo_says_premium_in_every_view(demo: Demo) -> None:
    """Read with no FMP_PLAN (which means starter): the plan shown is the one the runs used."""
    # the test process's own home stays (never the user's); FMP_PLAN and the rest go
    env = {k: v for k, v in os.environ.items() if k == "FMP_ELT_HOME" or not k.startswith(("FMP_", "DATABASE_URL"))}
    env["DATABASE_URL"] = demo.url
    daily = fmp_elt("status", env=env)
    assert daily.returncode == 0, daily.stderr
    assert "premium plan" in daily.stdout
    assert "starter" not in daily.stdout
    month = fmp_elt("status", "--period", "month", "--json", env=env)
    assert month.returncode == 0, month.stderr
    assert json.loads(month.stdout)["plan"] == "premium"
    read = fmp_elt("status", "--period", "week", "--json", env=env)
    assert read.returncode == 0, read.stderr
    week = json.loads(read.stdout)
    ratios = next(job for job in week["jobs"] if job["name"] == "ratios")
    assert ratios["availability"]["onTime"] == ratios["availability"]["scheduled"]  # Saturday's, on time
