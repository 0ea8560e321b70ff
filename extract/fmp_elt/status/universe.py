"""The universe over time, from marts.symbol_history: its size at each screener run that changed it, and what
the latest screener run added and removed. Empty until dbt has built the mart."""

from __future__ import annotations

from datetime import datetime

from psycopg2.extensions import connection as Connection

from fmp_elt.status.models import ApiModel

HISTORY_POINTS = 500  # the latest changes of size; a daily screener makes about 250 a year at most


class UniversePoint(ApiModel):
    at: datetime  # when the screener run that changed the universe landed
    symbols: int


class UniverseResponse(ApiModel):
    size: int  # symbols in the latest screener answer
    latest_run: datetime | None
    added: list[str]  # listed by the latest screener run and not by the one before
    removed: list[str]  # listed by the run before and not by the latest
    history: list[UniversePoint]  # oldest first


_LATEST_RUN = "select max(attributes_loaded_at) from marts.symbols where attributes_source = 'company-screener'"
# A stretch starting (ending) at the latest run is an addition (a removal) unless the symbol's previous (next)
# stretch meets it there: then only its attributes changed.
_ADDED = (
    "select h.symbol from marts.symbol_history h where h.valid_from = %(at)s and not exists ("
    " select 1 from marts.symbol_history p where p.symbol = h.symbol and p.valid_to = %(at)s) order by 1"
)
_REMOVED = (
    "select h.symbol from marts.symbol_history h where h.valid_to = %(at)s and not exists ("
    " select 1 from marts.symbol_history n where n.symbol = h.symbol and n.valid_from = %(at)s) order by 1"
)
_HISTORY = (
    "with points as (select valid_from as at from marts.symbol_history"
    " union select valid_to from marts.symbol_history where valid_to is not null"
    " order by at desc limit %(limit)s)"
    " select points.at, (select count(distinct h.symbol) from marts.symbol_history h"
    "  where h.valid_from <= points.at and (h.valid_to is null or h.valid_to > points.at))"
    " from points order by points.at"
)


def universe(conn: Connection) -> UniverseResponse:
    with conn.cursor() as cur:
        cur.execute(
            "select to_regclass('marts.symbol_history') is not null and to_regclass('marts.symbols') is not null"
        )
        if not cur.fetchone()[0]:
            return UniverseResponse(size=0, latest_run=None, added=[], removed=[], history=[])
        cur.execute(_LATEST_RUN)
        latest = cur.fetchone()[0]
        cur.execute(_HISTORY, {"limit": HISTORY_POINTS})
        history = [UniversePoint(at=at, symbols=count) for at, count in cur.fetchall()]
        cur.execute("select count(*) from marts.symbol_history where valid_to is null")
        size = int(cur.fetchone()[0])
        added: list[str] = []
        removed: list[str] = []
        if latest is not None:
            cur.execute(_ADDED, {"at": latest})
            added = [row[0] for row in cur.fetchall()]
            cur.execute(_REMOVED, {"at": latest})
            removed = [row[0] for row in cur.fetchall()]
    return UniverseResponse(size=size, latest_run=latest, added=added, removed=removed, history=history)
