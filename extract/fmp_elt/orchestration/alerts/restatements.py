"""The restatement alert: information, one message per batch of restated fiscal periods not announced before.

A restatement is a version after the first in a history mart keyed by fiscal period (the quality datasets
that name one: the ratios and the three statements): FMP changed what it serves for a period we held, and
FMP keeps no vintages, so our history is the only record of it. It is news, not a failure: the run and its
checks pass. Once a channel took the message, the batch is remembered in `etl.alerted_restatements`, so a
restatement is announced once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from fmp_elt.orchestration.alerts.message import Condition
from fmp_elt.quality.rules import ident
from fmp_elt.quality.suites import DATASETS
from fmp_elt.status.queries import relation_exists
from fmp_elt.warehouse.connection import connect

CAUSE = "restatements"
SHOWN = 5  # restatements named in the message; the rest are counted

Key = tuple[str, str, int, str, int]  # dataset, security_id, fiscal_year, period, version


@dataclass(frozen=True)
class RestatementBatch:
    keys: list[Key]

    def condition(self) -> Condition:
        per_dataset = Counter(dataset for dataset, *_ in self.keys)
        summary = ", ".join(f"{dataset} {count}" for dataset, count in sorted(per_dataset.items()))
        named = "; ".join(
            f"{security} {period} {year} in {dataset} (version {version})"
            for dataset, security, year, period, version in self.keys[:SHOWN]
        )
        more = f"; and {len(self.keys) - SHOWN} more" if len(self.keys) > SHOWN else ""
        return Condition(
            CAUSE,
            "restatements",
            active=True,
            subject=f"{len(self.keys)} restated fiscal periods",
            detail=f"{summary}. {named}{more}",
        )


def histories() -> dict[str, str]:
    """Dataset name -> its history mart, for the datasets whose restatements are counted."""
    return {name: dataset.history for name, dataset in DATASETS.items() if dataset.history}


def new_batch(url: str) -> RestatementBatch | None:
    """The restatements not announced yet, or None when there are none (or no history yet)."""
    conn = connect(url)
    try:
        if not relation_exists(conn, "etl.alerted_restatements"):
            return None
        keys: list[Key] = []
        with conn.cursor() as cur:
            for dataset, history in histories().items():
                if not relation_exists(conn, history):
                    continue
                cur.execute(
                    f"select h.security_id, h.fiscal_year, h.period, h.version from {ident(history)} as h"
                    " where h.version > 1 and not exists (select 1 from etl.alerted_restatements as seen"
                    " where seen.dataset = %s and seen.security_id = h.security_id"
                    " and seen.fiscal_year = h.fiscal_year and seen.period = h.period and seen.version = h.version)"
                    " order by h.valid_from desc, h.security_id, h.fiscal_year, h.period",
                    (dataset,),
                )
                keys += [(dataset, *row) for row in cur.fetchall()]
    finally:
        conn.close()
    return RestatementBatch(keys) if keys else None


def remember(url: str, batch: RestatementBatch, run_id: str) -> None:
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.executemany(
                "insert into etl.alerted_restatements (dataset, security_id, fiscal_year, period, version, run_id)"
                " values (%s, %s, %s, %s, %s, %s) on conflict do nothing",
                [(*key, run_id) for key in batch.keys],
            )
    finally:
        conn.close()
