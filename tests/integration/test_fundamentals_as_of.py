"""Financial statements through the simulator, the extractor and dbt, on both clocks: FMP's (when EDGAR
accepted a period) and ours (when we landed each version).

Two runs of the `statements` stream, the simulated market moved between them so that a 52/53-week filer's
period is re-dated and a restater's fiscal year restated. The marts must hold one row per company, fiscal year
and period (the re-dated period replaced, not added), the history both versions, and the as-of reads must
never return a period accepted after their time, with the figures as first seen before the restatement.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg2
import pytest

from fmp_elt import transform_stage
from fmp_elt.extract_stage import extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.job_config import load_jobs
from fmp_elt.jobs.extract import streams_of
from fmp_elt.orchestration.runner import run as run_jobs
from fmp_elt.quality import run_validation
from fmp_elt.simulator import Simulator
from fmp_elt.simulator.filings import REDATED_AFTER, Filing
from fmp_elt.status.queries import latest_quality
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from fmp_elt.warehouse.connection import connect
from tests.fixtures.ops import job, write_jobs
from tests.fixtures.ops_alerts import slack_webhook
from tests.fixtures.postgres import create_database, drop_database, query, with_database
from tests.fixtures.simulator import fmp_get, simulator_config
from tests.integration.test_extract import settings_for

END = date(2026, 11, 27)  # the simulated market's last day; the data does not depend on the clock
NEW_YORK = ZoneInfo("America/New_York")
MARTS = ("+fundamentals", "+ratios", "+ratios_history", "+symbols")


def run(base_url: str, db: str, stream: str, plan: str, today: date, **options: object) -> tuple[object, FmpClient]:
    """One stream's extraction on the simulated market's day (its clock, not the wall clock's)."""
    settings = settings_for(base_url, "test-key", plan)
    client = FmpClient(settings.base_url, "test-key", RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
    options_ = ExtractOptions(**options)  # type: ignore[arg-type]
    summary = extract_stream(settings, db, stream, options_, run_id=runlog.new_run_id(), client=client, today=today)
    return summary, client


def accepted_utc(filing: Filing) -> datetime:
    return filing.accepted.replace(tzinfo=NEW_YORK).astimezone(UTC)


@dataclass
class Story:
    url: str
    sim: Simulator
    first_run: date
    restater: str
    restated: Filing  # the fiscal year restated between the runs
    restating: Filing  # the 10-K that restated it
    redater: str
    redated: Filing  # the period re-dated between the runs
    foreign: str
    revenue_first_seen: int  # the restated year's revenue as served on the first run
    revenue_now: int


def find_first_run(sim: Simulator, restater: str, redater: str) -> tuple[date, Filing, Filing, Filing]:
    """A first-run day after the restated year's 10-K and before the next one, with a period of the 52/53-week
    filer accepted but not yet re-dated: both change before END, the second run."""
    years = [f for f in sim.filings(restater) if f.period == "FY"]
    for restated, restating in reversed(list(itertools.pairwise(years))):  # the latest such day
        for redated in sim.filings(redater):
            if redated.month_end == redated.fiscal_end or redated.accepted.date() + REDATED_AFTER > END:
                continue
            first = max(restated.accepted.date(), redated.accepted.date())
            if first < restating.accepted.date() and first < redated.accepted.date() + REDATED_AFTER:
                return first, restated, restating, redated
    raise AssertionError("the simulated universe holds no such pair of events")


def revenue(sim: Simulator, symbol: str, fiscal_year: int) -> int:
    rows = fmp_get(sim, "income-statement", symbol=symbol, period="annual", limit=1000).json()
    return next(r["revenue"] for r in rows if r["fiscalYear"] == str(fiscal_year))


@pytest.fixture(scope="module")
def story(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    sim = Simulator(simulator_config(n_symbols=16, seed=11, start=date(2018, 1, 2), end=END))
    sim.start()
    name = create_database(pg_server_url, pg_template)
    url = with_database(pg_server_url, name)
    paths = transform_stage.DbtPaths.under(tmp_path_factory.mktemp("home"))
    try:
        traits = {s: sim.filer(s) for s in sim.symbols}
        restater = next(s for s, t in traits.items() if t.restates)
        redater = next(s for s, t in traits.items() if t.week_based)
        foreign = next(s for s, t in traits.items() if t.reported_currency != "USD")
        first, restated, restating, redated = find_first_run(sim, restater, redater)
        stocks = [s for s in sim.symbols if sim.profile(s).is_common_stock and sim.profile(s).delisted is None]
        assert {restater, redater, foreign} <= set(stocks)
        for day in (first, END):
            sim.set_today(day)
            if day == first:
                revenue_first_seen = revenue(sim, restater, restated.fiscal_year)
            for stream in (*streams_of("symbols"), "ratios", "statements"):
                options = {} if stream in streams_of("symbols") else {"symbols": stocks}
                summary, _ = run(sim.base_url, url, stream, plan="starter", today=day, **options)
                assert not summary.failures, stream
            # the data tests run over the whole project in test_quality_pipeline (statements included)
            result = transform_stage.build(url, paths, select=MARTS, data_tests=False)
            assert result.ok, result.output[-3000:]
        yield Story(
            url,
            sim,
            first,
            restater,
            restated,
            restating,
            redater,
            redated,
            foreign,
            revenue_first_seen,
            revenue(sim, restater, restated.fiscal_year),
        )
    finally:
        sim.stop()
        drop_database(pg_server_url, name)


def test_a_backfilled_history_is_read_by_acceptance_never_after_it(story: Story) -> None:
    sim = story.sim
    # long before our first landing: every version we hold was first seen after t
    for t in (datetime(2022, 5, 16, 13, 0, tzinfo=UTC), datetime(2024, 2, 20, 21, 30, tzinfo=UTC)):
        held = query(
            story.url,
            "select security_id, fiscal_year, period, accepted_date from marts.income_statement_as_of(%s)",
            (t,),
        )
        assert held
        for symbol in {s for s, *_ in held}:
            filed = [f for f in sim.filings(symbol) if accepted_utc(f) <= t]
            for annual in (True, False):
                known = [f for f in filed if (f.period == "FY") == annual]
                rows = [(fy, p, a) for s, fy, p, a in held if s == symbol and (p == "FY") == annual]
                if not known:
                    assert rows == []
                    continue
                latest = max(known, key=lambda f: (f.month_end, f.fiscal_year))
                assert rows == [(latest.fiscal_year, latest.period, accepted_utc(latest))], (symbol, t)
        assert all(accepted <= t for *_, accepted in held)


def test_a_re_dated_period_replaces_its_row(story: Story) -> None:
    f = story.redated
    key = (story.redater, f.fiscal_year, f.period)
    current = query(
        story.url,
        "select period_end_date from marts.income_statement where security_id = %s and fiscal_year = %s"
        " and period = %s",
        key,
    )
    assert current == [(f.fiscal_end,)]
    versions = query(
        story.url,
        "select version, period_end_date, valid_to is null from marts.income_statement_history"
        " where security_id = %s and fiscal_year = %s and period = %s order by version",
        key,
    )
    assert versions == [(1, f.month_end, False), (2, f.fiscal_end, True)]
    for mart in ("income_statement", "balance_sheet", "cash_flow"):
        per_year = query(
            story.url,
            f"select fiscal_year, period, count(*) from marts.{mart} where security_id = %s"
            " group by fiscal_year, period having count(*) > 1",
            (story.redater,),
        )
        assert per_year == []
    now = query(
        story.url,
        "select period_end_date from marts.income_statement_as_of(now()) where security_id = %s and period = %s",
        (story.redater, "FY"),
    )
    assert len(now) == 1


def test_a_restatement_is_a_version_and_the_read_before_it_returns_the_first_value(story: Story) -> None:
    key = (story.restater, story.restated.fiscal_year, "FY")
    assert story.revenue_now != story.revenue_first_seen
    versions = query(
        story.url,
        "select version, revenue, valid_from, valid_to from marts.income_statement_history"
        " where security_id = %s and fiscal_year = %s and period = %s order by version",
        key,
    )
    assert [(v, r) for v, r, *_ in versions] == [
        (1, Decimal(story.revenue_first_seen)),
        (2, Decimal(story.revenue_now)),
    ]
    assert versions[0][3] == versions[1][2]  # the restatement closed the first version when it landed
    current = query(
        story.url,
        "select revenue from marts.income_statement where security_id = %s and fiscal_year = %s and period = %s",
        key,
    )
    assert current == [(Decimal(story.revenue_now),)]
    # FMP's clock between the restated year's 10-K and the restating one: the year as we first saw it
    t = accepted_utc(story.restating) - timedelta(minutes=1)
    as_of = query(
        story.url,
        "select fiscal_year, revenue, version from marts.income_statement_as_of(%s)"
        " where security_id = %s and period = 'FY'",
        (t, story.restater),
    )
    assert as_of == [(story.restated.fiscal_year, Decimal(story.revenue_first_seen), 1)]


@pytest.mark.parametrize("mart", ["balance_sheet", "ratios", "ratios_history"])
def test_a_foreign_filer_is_flagged(story: Story, mart: str) -> None:
    flags = dict(
        query(
            story.url,
            f"select security_id, bool_and(reported_in_foreign_currency) from marts.{mart} group by 1",
        )
    )
    assert flags.pop(story.foreign) is True
    assert flags
    assert not any(flags.values())
    # the flag says what the row's currency says: the filer's own, not the dollar
    currencies = query(
        story.url, f"select distinct reported_currency from marts.{mart} where security_id = %s", (story.foreign,)
    )
    assert currencies
    assert all(currency != "USD" for (currency,) in currencies)


def test_fundamentals_as_of_puts_the_statements_of_one_period_side_by_side(story: Story) -> None:
    t = accepted_utc(story.restating) - timedelta(minutes=1)
    rows = query(
        story.url,
        "select security_id, fiscal_year, period, accepted_date, revenue, total_assets, free_cash_flow"
        " from marts.fundamentals_as_of(%s)",
        (t,),
    )
    assert rows
    assert all(accepted <= t for _, _, _, accepted, *_ in rows)
    assert all(None not in row for row in rows)  # each period's three statements were filed together
    restater = [r for r in rows if r[0] == story.restater and r[2] == "FY"]
    assert [(fy, revenue) for _, fy, _, _, revenue, *_ in restater] == [
        (story.restated.fiscal_year, Decimal(story.revenue_first_seen))
    ]
    # the balance sheet of the same period, as served (the simulator's figures, independently read)
    sheets = fmp_get(story.sim, "balance-sheet-statement", symbol=story.restater, period="annual", limit=1000).json()
    sheet = next(r for r in sheets if r["fiscalYear"] == str(story.restated.fiscal_year))
    assert restater[0][5] == Decimal(sheet["totalAssets"])
    now = query(story.url, "select count(*), count(distinct security_id) from marts.fundamentals_as_of(now())")
    current = query(story.url, "select count(distinct security_id) from marts.fundamentals")
    assert now[0][1] == current[0][0]
    assert now[0][0] == 2 * now[0][1]  # per company its latest fiscal year and its latest quarter


def test_ratios_as_of_a_backfilled_moment_returns_the_last_period_accepted_before_it(story: Story) -> None:
    sim = story.sim
    t = datetime(2023, 8, 1, 12, 0, tzinfo=UTC)  # before our first landing: a backfilled history
    assert t.date() < story.first_run
    filed = query(story.url, "select security_id, fiscal_year, period from marts.ratios_as_of(%s)", (t,))
    assert filed
    for symbol in {s for s, *_ in filed}:
        for annual in (True, False):
            known = [f for f in sim.filings(symbol) if accepted_utc(f) <= t and (f.period == "FY") == annual]
            rows = [(fy, p) for s, fy, p in filed if s == symbol and (p == "FY") == annual]
            latest = max(known, key=lambda f: (f.month_end, f.fiscal_year))
            assert rows == [(latest.fiscal_year, latest.period)], (symbol, annual)
    # our clock alone: nothing was held before the first landing
    assert query(story.url, "select count(*) from marts.ratios_as_of(%s, 'warehouse')", (t,)) == [(0,)]
    now = query(story.url, "select count(*) from marts.ratios_as_of(now(), 'warehouse')")[0][0]
    assert now == query(story.url, "select count(*) from marts.ratios")[0][0]


def test_ratios_as_of_before_a_restatement_returns_the_first_value(story: Story) -> None:
    key = (story.restater, story.restated.fiscal_year)
    versions = query(
        story.url,
        "select version, price_to_earnings_ratio, valid_to is null from marts.ratios_history"
        " where security_id = %s and fiscal_year = %s and period = 'FY' order by version",
        key,
    )
    assert [(v, current) for v, _, current in versions] == [(1, False), (2, True)]
    first, restated = versions[0][1], versions[1][1]
    # the simulator restates the income statement by a factor: the P/E moves by its inverse
    assert float(first / restated) == pytest.approx(story.revenue_now / story.revenue_first_seen, rel=1e-3)
    t = accepted_utc(story.restating) - timedelta(minutes=1)
    as_of = query(
        story.url,
        "select fiscal_year, price_to_earnings_ratio, version from marts.ratios_as_of(%s)"
        " where security_id = %s and period = 'FY'",
        (t, story.restater),
    )
    assert as_of == [(story.restated.fiscal_year, first, 1)]
    now = query(
        story.url,
        "select price_to_earnings_ratio from marts.ratios_as_of(now()) where security_id = %s and fiscal_year = %s"
        " and period = 'FY'",
        key,
    )
    assert now in ([], [(restated,)])  # the restated year is current unless a later one was filed


def test_an_unknown_clock_is_a_one_line_error(story: Story) -> None:
    with pytest.raises(psycopg2.errors.InvalidTextRepresentation) as raised:
        query(story.url, "select count(*) from marts.ratios_as_of(now(), 'market')")
    assert raised.value.diag.message_primary == 'invalid input value for enum marts.filing_clock: "market"'


def versions_after_the_first(url: str, table: str) -> int:
    """Restatements counted from raw, in Python: per symbol and fiscal period, the landings whose record differs
    from the one landed before it (within one landing, the last record counts)."""
    landed: dict[tuple[str, str, str], dict[datetime, dict]] = {}
    for payload, loaded_at in query(url, f"select payload, _loaded_at from {table} order by _loaded_at, _seq"):
        key = (payload["symbol"], payload["fiscalYear"], payload["period"])
        landed.setdefault(key, {})[loaded_at] = payload
    return sum(
        sum(1 for before, after in itertools.pairwise(by_landing.values()) if before != after)
        for by_landing in landed.values()
    )


def test_restatements_are_counted_and_alerted_once_as_information(
    story: Story, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = run_validation(story.url, datasets=["ratios", "income_statement"], data_docs=False)
    counted = {d.dataset: d.restated_records for d in report.datasets}
    assert counted == {
        "ratios": versions_after_the_first(story.url, "raw.fmp_ratios"),
        "income_statement": versions_after_the_first(story.url, "raw.fmp_income_statements"),
    }
    assert counted["ratios"] >= 2  # at least the restated year and the re-dated period
    conn = connect(story.url)
    try:
        shown = {check.dataset: check.restated_records for check in latest_quality(conn)}
    finally:
        conn.close()
    assert shown == counted  # what status and the API read

    for key in ("SMTP_HOST", "GITHUB_RUN_ID", "ETL_DASHBOARD_URL"):
        monkeypatch.delenv(key, raising=False)
    with slack_webhook() as inbox:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", inbox.url)
        jobs = load_jobs(write_jobs(tmp_path, [job("transform")]))
        first = run_jobs(story.url, jobs, ["transform"], retry_delay=0)
        assert first.ok  # information: the run does not fail
        [message] = [m for m in inbox.messages if m["text"].startswith("fmp-elt restatements")]
        total = counted["ratios"] + counted["income_statement"]
        total += query(story.url, "select count(*) from marts.balance_sheet_history where version > 1")[0][0]
        total += query(story.url, "select count(*) from marts.cash_flow_history where version > 1")[0][0]
        assert message["text"] == f"fmp-elt restatements (information): {total} restated fiscal periods"
        detail = message["blocks"][1]["text"]["text"]
        assert f"{story.restater} FY {story.restated.fiscal_year} in ratios (version 2)" in detail or "more" in detail
        assert query(story.url, "select count(*) from etl.alerted_restatements") == [(total,)]
        run_jobs(story.url, jobs, ["transform"], retry_delay=0)
        assert [m for m in inbox.messages if m["text"].startswith("fmp-elt restatements")] == [message]  # once
