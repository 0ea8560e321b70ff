"""Price anomalies as the status shows them: how many of each kind, and the newest ones (marts.price_anomalies)."""

from __future__ import annotations

from datetime import date

from psycopg2.extensions import connection as Connection

from fmp_elt.status.models import ApiModel
from fmp_elt.status.queries import relation_exists

TABLE = "marts.price_anomalies"


class Anomaly(ApiModel):
    symbol: str
    price_date: date
    anomaly: str
    detail: str | None


class AnomaliesResponse(ApiModel):
    total: int
    by_kind: dict[str, int]
    anomalies: list[Anomaly]  # the newest first


def price_anomalies(conn: Connection, *, symbol: str | None = None, limit: int = 100) -> AnomaliesResponse:
    """Counts per kind and the `limit` newest anomalies (of one symbol when given); empty before the first build."""
    if not relation_exists(conn, TABLE):
        return AnomaliesResponse(total=0, by_kind={}, anomalies=[])
    where, params = ("where symbol = %(symbol)s", {"symbol": symbol}) if symbol else ("", {})
    with conn.cursor() as cur:
        cur.execute(f"select anomaly, count(*) from {TABLE} {where} group by anomaly order by anomaly", params)
        by_kind = {kind: int(count) for kind, count in cur.fetchall()}
        cur.execute(
            f"select symbol, price_date, anomaly, detail from {TABLE} {where}"
            " order by price_date desc, symbol, anomaly limit %(limit)s",
            {**params, "limit": limit},
        )
        rows = [Anomaly(symbol=s, price_date=d, anomaly=a, detail=t) for s, d, a, t in cur.fetchall()]
    return AnomaliesResponse(total=sum(by_kind.values()), by_kind=by_kind, anomalies=rows)
