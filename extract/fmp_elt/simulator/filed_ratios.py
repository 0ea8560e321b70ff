"""A period's ratios follow its filing, as FMP's do: served from the day EDGAR accepts the period's income
statement, dated as the statements date the period (a 52/53-week year re-dated with them), in the filer's
reported currency, and computed from the restated figures once the next 10-K restates the year."""

from __future__ import annotations

from datetime import date

from fmp_elt.simulator.filings import FilerTraits, Filing
from fmp_elt.simulator.ratios import Record
from fmp_elt.simulator.statements import RESTATEMENT_FACTOR

# per-share figures of the income statement, which a restatement scales, and the price multiples of them
_RESTATED_PER_SHARE = ("revenuePerShare", "netIncomePerShare")
_RESTATED_MULTIPLES = ("priceToEarningsRatio", "priceToSalesRatio", "priceToEarningsDilutedRatio")


def as_filed(record: Record, filing: Filing, traits: FilerTraits, today: date) -> Record:
    """The ratios record of `filing`'s period as FMP serves it on `today`."""
    out = dict(record)
    out["date"] = filing.period_end(today).isoformat()
    out["reportedCurrency"] = traits.reported_currency
    if filing.restated(today):
        for name in _RESTATED_PER_SHARE:
            out[name] = record[name] * RESTATEMENT_FACTOR
        for name in _RESTATED_MULTIPLES:
            out[name] = record[name] / RESTATEMENT_FACTOR
    return out
