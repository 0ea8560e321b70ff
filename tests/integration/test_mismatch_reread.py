"""A mismatch is repaired by reading the symbol's actions again, once; one FMP itself gets wrong stays, said once.

A dividend that dividends-calendar never lists is missed by the daily runs; the weekly check of FMP's
dividend-adjusted series then disagrees with our adj_close (`adjusted_mismatch`). The next corporate-actions run
reads that symbol's own `dividends` history once, so the dividend lands, the next transform adjusts the days
before it, and the mismatch is gone. Another run before that transform reads nothing more for it.

A dividend FMP lists with a wrong amount (its dividend-adjusted series applies the right one) mismatches the
same way, but its re-read brings the same wrong amount: the mismatch stays in marts.price_anomalies and in the
quality checks, is alerted once naming the symbol and day, and the symbol is not read again on the runs after.
A new mismatched day of that symbol (another wrong dividend) is read once more, and alerted once; a later
dividend FMP lists right leaves the kept mismatch recorded (FMP's series is read again from its day).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from fmp_elt import transform_stage
from fmp_elt.config import Settings
from fmp_elt.extract_stage import ExtractSummary, extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.jobs.extract import streams_of
from fmp_elt.orchestration import alerts
from fmp_elt.orchestration.alerts.slack import SlackChannel
from fmp_elt.orchestration.report import RunReport
from fmp_elt.quality.report import ValidationReport
from fmp_elt.quality.validate import run_validation
from fmp_elt.simulator import Simulator
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from tests.fixtures.ops_alerts import SlackInbox, slack_webhook
from tests.fixtures.postgres import query
from tests.fixtures.simulator import fmp_get, simulator_config
from tests.fixtures.warehouses import module_warehouse

START = date(2025, 1, 2)
FIRST_RUN = date(2025, 4, 1)
MISSED = date(2025, 4, 14)  # symbol 0's dividend that dividends-calendar does not list; symbol 2's listed wrong
AMOUNT = 0.8
CHECKED = date(2025, 4, 21)  # a week of prices after the last dividend-adjusted read: the check reads it
REREAD = date(2025, 4, 22)
LATER = date(2025, 4, 23)
RUNS = (FIRST_RUN, MISSED, date(2025, 4, 15), date(2025, 4, 17), CHECKED)
WRONG_AGAIN = date(2025, 4, 28)  # symbol 2's second dividend listed wrong: a newer mismatched day
AFTER = (date(2025, 4, 29), date(2025, 4, 30))
# a week of prices past FMP's series held (2025-04-29), then the weekly check: it moves past the kept day
CHECK_AGAIN = (date(2025, 5, 5), date(2025, 5, 6), date(2025, 5, 7))
RIGHT = date(2025, 5, 12)  # symbol 2's third dividend, listed right: an event after the kept mismatch
KEY = "premium-key"


@dataclass
class Story:
    simulator: Simulator
    url: str
    symbols: list[str]
    paths: transform_stage.DbtPaths
    slack: SlackInbox
    alerted: list[str] = field(default_factory=list)  # the anomaly alerts' texts, in order
    checked: list[tuple[str, date, str]] = field(default_factory=list)  # the mismatches the weekly check found
    reads: list[tuple[str, str]] = field(default_factory=list)  # the last extract's per-symbol action reads

    def extract(self, today: date, streams: tuple[str, ...] = ()) -> dict[str, ExtractSummary]:
        self.simulator.set_today(today)
        self.simulator.reset_stats()
        settings = Settings.from_env(
            {"FMP_BASE_URL": self.simulator.base_url, "FMP_API_KEY": KEY, "FMP_PLAN": "premium"}
        )
        summaries = {}
        for stream in streams or streams_of("prices"):
            client = FmpClient(settings.base_url, KEY, RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
            summaries[stream] = extract_stream(
                settings,
                self.url,
                stream,
                ExtractOptions(symbols=self.symbols),
                run_id=runlog.new_run_id(),
                client=client,
                today=today,
            )
            assert not summaries[stream].failures
        self.reads = sorted(
            (request.path.rsplit("/", 1)[-1], request.query["symbol"])
            for request in self.simulator.requests_log
            if request.path.endswith(("/splits", "/dividends")) and "symbol" in request.query
        )
        return summaries

    def build(self) -> None:
        """A transform, then the alerts a run sends after it (the anomaly alert on a real webhook)."""
        result = transform_stage.build(self.url, self.paths)
        assert result.ok, result.output[-3000:]
        seen = len(self.slack.messages)
        alerts.after_run(self.url, [], RunReport(runlog.new_run_id()), env={}, channels=[SlackChannel(self.slack.url)])
        self.alerted += [
            message["blocks"][1]["text"]["text"]
            for message in self.slack.messages[seen:]
            if "price anomalies" in message["text"]
        ]

    def mismatches(self) -> list[tuple[str, date, str]]:
        return query(
            self.url,
            "select symbol, price_date, anomaly from marts.price_anomalies where anomaly like '%%_mismatch'"
            " order by symbol",
        )


@dataclass
class Persisting:
    """What the runs after the wrong dividend's re-read saw."""

    reread: ExtractSummary  # the run that re-read it
    reads: list[list[tuple[str, str]]]  # the per-symbol action reads of the re-read, `again` and `later`
    again: ExtractSummary  # a run before the transform
    later: ExtractSummary  # a run after the transform, the mismatch still there
    mismatched: list[tuple[str, date, str]]  # after the re-read and its transform
    quality: ValidationReport
    alerts_before: int  # anomaly alerts up to the first transform that showed the mismatch
    alerts_after: int  # and after the re-read's and the later runs' transforms
    newer: list[ExtractSummary]  # corporate actions on WRONG_AGAIN and the runs after it
    newer_reads: list[list[tuple[str, str]]]
    newer_mismatched: list[tuple[str, date, str]]
    checked_up_to: date  # the newest day of FMP's dividend-adjusted series held before RIGHT
    right: ExtractSummary  # corporate actions on RIGHT
    right_reads: list[tuple[str, str]]
    right_mismatched: list[tuple[str, date, str]]


def quiet(simulator: Simulator) -> list[str]:
    """Symbols listed throughout with no split or dividend of their own from three months before the runs."""
    first = date(2025, 1, 1)
    return [
        s
        for s in simulator.symbols
        if simulator.profile(s).listed <= START
        and not simulator.profile(s).delisted
        and not any(first <= e.date for e in (*simulator.splits(s), *simulator.dividends(s)))
    ]


def close_before(simulator: Simulator, symbol: str, day: date) -> float:
    """The as-traded close of the session before `day`, as FMP serves it."""
    window = {"symbol": symbol, "from": (day - timedelta(days=7)).isoformat(), "to": (day - timedelta(1)).isoformat()}
    rows: list[dict[str, Any]] = fmp_get(simulator, "historical-price-eod/non-split-adjusted", KEY, **window).json()
    return float(max(rows, key=lambda row: row["date"])["adjClose"])


def list_wrong(simulator: Simulator, symbol: str, day: date) -> None:
    """A dividend of 3 % of the close that FMP lists at a third of that, on every read."""
    amount = round(0.03 * close_before(simulator, symbol, day), 2)
    simulator.add_dividend(symbol, day, amount, listed_as=round(amount / 3, 2))


@pytest.fixture(scope="module")
def story(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    simulator = Simulator(simulator_config(n_symbols=12, start=START, end=RIGHT))
    simulator.start()
    try:
        with slack_webhook() as slack, module_warehouse(pg_server_url, pg_template, tmp_path_factory) as warehouse:
            story = Story(simulator, warehouse.url, quiet(simulator)[:3], warehouse.paths, slack)
            for day in RUNS:
                simulator.set_today(day)
                if day == MISSED:
                    simulator.add_dividend(story.symbols[0], MISSED, AMOUNT, in_calendar=False)
                    list_wrong(simulator, story.symbols[2], MISSED)
                story.extract(day)
                if day == FIRST_RUN:
                    story.build()
            story.build()
            story.checked = story.mismatches()
            yield story
    finally:
        simulator.stop()


@pytest.fixture(scope="module")
def persisting(story: Story) -> Persisting:
    """Runs on from the story's first test: the re-read, its transform, later runs, a newer wrong dividend."""
    alerts_before = len(story.alerted)
    reread = story.extract(REREAD)["corporate_actions"]
    reads = [story.reads]
    again = story.extract(REREAD, ("corporate_actions",))["corporate_actions"]
    reads.append(story.reads)
    story.build()
    mismatched = story.mismatches()
    later = story.extract(LATER)["corporate_actions"]
    reads.append(story.reads)
    story.build()
    quality = run_validation(story.url, datasets=["price_anomalies"], data_docs=False)
    alerts_after = len(story.alerted)

    story.simulator.set_today(WRONG_AGAIN)
    list_wrong(story.simulator, story.symbols[2], WRONG_AGAIN)
    newer = [story.extract(WRONG_AGAIN)["corporate_actions"]]
    newer_reads = [story.reads]
    story.build()
    newer_mismatched = story.mismatches()
    for day in AFTER:
        newer.append(story.extract(day)["corporate_actions"])
        newer_reads.append(story.reads)
        story.build()
    for day in CHECK_AGAIN:
        story.extract(day)
    [(checked_up_to,)] = query(
        story.url,
        "select newest_date from etl.stream_state where stream = 'prices_adjusted' and symbol = %s",
        (story.symbols[2],),
    )
    story.simulator.set_today(RIGHT)
    story.simulator.add_dividend(
        story.symbols[2], RIGHT, round(0.02 * close_before(story.simulator, story.symbols[2], RIGHT), 2)
    )
    right = story.extract(RIGHT)["corporate_actions"]
    right_reads = story.reads
    story.build()
    return Persisting(
        reread,
        reads,
        again,
        later,
        mismatched,
        quality,
        alerts_before,
        alerts_after,
        newer,
        newer_reads,
        newer_mismatched,
        checked_up_to,
        right,
        right_reads,
        story.mismatches(),
    )


def test_the_missed_dividend_is_read_once_and_repairs_the_factors(story: Story, persisting: Persisting) -> None:
    missed, wrong = story.symbols[0], story.symbols[2]
    assert [(symbol, anomaly) for symbol, _, anomaly in story.checked] == [
        (symbol, "adjusted_mismatch") for symbol in sorted((missed, wrong))
    ]
    assert persisting.reread.units == 3  # the calendar, and each mismatched symbol's own history
    # before the next transform the mismatches are still in the marts: another run does not read them again
    assert persisting.again.units == 1
    # each mismatched symbol's own `dividends` and `splits`, then nothing
    assert persisting.reads[:2] == [sorted((e, s) for e in ("dividends", "splits") for s in (missed, wrong)), []]

    assert [row for row in persisting.mismatched if row[0] == missed] == []
    held = query(
        story.url,
        "select ex_date, dividend from marts.dividends where symbol = %s and ex_date = %s",
        (missed, MISSED),
    )
    assert [(day, float(amount)) for day, amount in held] == [(MISSED, AMOUNT)]
    # the factor by hand: each day before the ex-date is scaled by 1 - dividend / the close before it
    rows = query(
        story.url,
        "select price_date, traded_close::float8, (adj_close / close)::float8 from marts.daily_prices"
        " where symbol = %s and price_date <= %s order by price_date",
        (missed, LATER),
    )
    previous_close = max((day, close) for day, close, _ in rows if day < MISSED)[1]
    expected = 1 - AMOUNT / previous_close
    assert all(factor == pytest.approx(expected, rel=1e-9) for day, _, factor in rows if day < MISSED)
    assert all(factor == 1 for day, _, factor in rows if day >= MISSED)


def test_a_mismatch_fmp_keeps_stays_recorded_and_is_not_read_again(story: Story, persisting: Persisting) -> None:
    wrong = story.symbols[2]
    session_before = date(2025, 4, 11)  # the newest day FMP's series and ours disagree: the last before the ex-date
    assert (wrong, session_before, "adjusted_mismatch") in story.checked
    # the re-read brought the same wrong amount: the mismatch stays, on the same day
    assert persisting.mismatched == [(wrong, session_before, "adjusted_mismatch")]
    listed = query(
        story.url, "select dividend from marts.dividends where symbol = %s and ex_date = %s", (wrong, MISSED)
    )
    served = fmp_get(story.simulator, "dividends", KEY, symbol=wrong).json()
    assert [float(amount) for (amount,) in listed] == [r["dividend"] for r in served if r["date"] == MISSED.isoformat()]
    # and no later run reads it again
    assert persisting.later.units == 1
    assert persisting.reads[2] == []
    # the quality checks record it (a warning)
    [report] = persisting.quality.datasets
    [rule] = [e for e in report.expectations if e.rule == "no_adjusted_mismatch"]
    assert not rule.success
    assert rule.unexpected_count == 1
    # alerted once, naming the symbol and the day, and never again while it stays
    named = f"{wrong} {session_before.isoformat()} adjusted_mismatch"
    assert sum(named in text for text in story.alerted[: persisting.alerts_before]) == 1
    assert sum(named in text for text in story.alerted) == 1


def test_a_newer_mismatched_day_is_read_once_more_and_alerted_once(story: Story, persisting: Persisting) -> None:
    wrong = story.symbols[2]
    session_before = date(2025, 4, 25)
    assert persisting.newer_mismatched == [(wrong, session_before, "adjusted_mismatch")]
    on_the_day, reread, after = persisting.newer
    assert on_the_day.units == 1  # the calendar lands the new dividend; the mismatch is not known yet
    assert reread.units == 2  # the calendar, and the symbol's own history once
    assert after.units == 1
    assert persisting.newer_reads == [[], [("dividends", wrong), ("splits", wrong)], []]
    named = f"{wrong} {session_before.isoformat()} adjusted_mismatch"
    assert sum(named in text for text in story.alerted[persisting.alerts_after :]) == 1


def test_a_later_event_leaves_the_kept_mismatch_recorded(story: Story, persisting: Persisting) -> None:
    """FMP's older records carry an older adjustment and are no longer compared after an event, and the weekly
    check moved the overlap past the kept day; the event's read starts from the kept day instead, so it is
    still compared, and still disagrees."""
    wrong = story.symbols[2]
    session_before = date(2025, 4, 25)
    assert persisting.checked_up_to == CHECK_AGAIN[-1]  # the check read past the kept day
    assert persisting.right.units == 1
    assert persisting.right_reads == []  # not read again: the kept day is the same
    assert persisting.right_mismatched == [(wrong, session_before, "adjusted_mismatch")]
    named = f"{wrong} {session_before.isoformat()} adjusted_mismatch"
    assert sum(named in text for text in story.alerted) == 1
