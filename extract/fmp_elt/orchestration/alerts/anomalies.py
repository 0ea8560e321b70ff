"""The price-anomaly alert: one message per batch of anomalies not announced before.

A batch is what marts.price_anomalies holds after a run and `etl.alerted_anomalies` does not; once a channel
took the message, the batch is remembered there, so the same anomalies never alert twice and the next batch
alerts on its own. (An anomaly that disappears, say after FMP corrected a price, needs no message.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from fmp_elt.orchestration.alerts.message import Condition
from fmp_elt.status.queries import relation_exists
from fmp_elt.warehouse.connection import connect

CAUSE = "anomalies:prices"
SHOWN = 5  # anomalies named in the message; the rest are counted


@dataclass(frozen=True)
class AnomalyBatch:
    keys: list[tuple[str, date, str]]  # (symbol, price_date, anomaly), newest first
    details: list[str]

    def condition(self) -> Condition:
        kinds = Counter(anomaly for _, _, anomaly in self.keys)
        summary = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        named = "; ".join(
            f"{symbol} {day.isoformat()} {anomaly}: {detail}"
            for (symbol, day, anomaly), detail in zip(self.keys[:SHOWN], self.details, strict=False)
        )
        more = f"; and {len(self.keys) - SHOWN} more" if len(self.keys) > SHOWN else ""
        return Condition(
            CAUSE,
            "price_anomalies",
            active=True,
            subject=f"{len(self.keys)} new price anomalies",
            detail=f"{summary}. {named}{more}",
        )


def new_batch(url: str) -> AnomalyBatch | None:
    """The anomalies not announced yet, or None when there are none (or no anomaly table yet)."""
    conn = connect(url)
    try:
        if not relation_exists(conn, "marts.price_anomalies"):
            return None
        with conn.cursor() as cur:
            cur.execute(
                "select a.symbol, a.price_date, a.anomaly, a.detail from marts.price_anomalies as a"
                " where not exists (select 1 from etl.alerted_anomalies as seen where seen.symbol = a.symbol"
                " and seen.price_date = a.price_date and seen.anomaly = a.anomaly)"
                " order by a.price_date desc, a.symbol, a.anomaly"
            )
            rows = cur.fetchall()
    finally:
        conn.close()
    if not rows:
        return None
    return AnomalyBatch([(s, d, a) for s, d, a, _ in rows], [detail or "" for *_, detail in rows[:SHOWN]])


def remember(url: str, batch: AnomalyBatch, run_id: str) -> None:
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.executemany(
                "insert into etl.alerted_anomalies (symbol, price_date, anomaly, run_id) values (%s, %s, %s, %s)"
                " on conflict do nothing",
                [(*key, run_id) for key in batch.keys],
            )
    finally:
        conn.close()
