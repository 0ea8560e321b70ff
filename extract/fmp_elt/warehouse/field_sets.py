"""Schema drift, observed at landing: the set of fields FMP sent per endpoint, compared with the last set seen.

A run's set for an endpoint is the union of the top-level keys of every record it landed from that endpoint
(FMP sends every field on every record, null or not, so a field missing from all of them was dropped). The first
set seen for an endpoint is its baseline; every later difference is one `etl.schema_changes` row and becomes
the stored set. An endpoint a run landed nothing from is not observed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg2.extensions


def record_fields(records: list[Any]) -> frozenset[str]:
    """The union of the records' top-level keys (records that are not objects have none)."""
    return frozenset().union(*(record for record in records if isinstance(record, dict)))


def describe_change(added: Sequence[str], dropped: Sequence[str]) -> str:
    """`added newField; dropped vwap`."""
    parts = [f"{verb} {', '.join(names)}" for verb, names in (("added", added), ("dropped", dropped)) if names]
    return "; ".join(parts)


@dataclass(frozen=True)
class FieldChange:
    endpoint: str
    added: tuple[str, ...]
    dropped: tuple[str, ...]

    def describe(self) -> str:
        return describe_change(self.added, self.dropped)

    def as_dict(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "added": list(self.added), "dropped": list(self.dropped)}


def record_field_sets(
    conn: psycopg2.extensions.connection, run_id: str, seen: Mapping[str, Collection[str]]
) -> list[FieldChange]:
    """Store what this run saw per endpoint; return the changes against the sets stored before.

    Row locks keep shards that finish at the same time from both reporting one change."""
    changes: list[FieldChange] = []
    with conn, conn.cursor() as cur:
        for endpoint in sorted(seen):
            fields = sorted(seen[endpoint])
            if not fields:
                continue
            cur.execute(
                "insert into etl.endpoint_fields (endpoint, fields, last_run_id) values (%s, %s, %s)"
                " on conflict (endpoint) do nothing",
                (endpoint, fields, run_id),
            )
            if cur.rowcount:
                continue  # first sight: the baseline
            cur.execute("select fields from etl.endpoint_fields where endpoint = %s for update", (endpoint,))
            stored = set(cur.fetchone()[0])
            change = FieldChange(endpoint, tuple(sorted(set(fields) - stored)), tuple(sorted(stored - set(fields))))
            if change.added or change.dropped:
                cur.execute(
                    "insert into etl.schema_changes (endpoint, run_id, added, dropped, fields)"
                    " values (%s, %s, %s, %s, %s)",
                    (endpoint, run_id, list(change.added), list(change.dropped), fields),
                )
                cur.execute(
                    "update etl.endpoint_fields set fields = %s, changed_at = now() where endpoint = %s",
                    (fields, endpoint),
                )
                changes.append(change)
            cur.execute(
                "update etl.endpoint_fields set last_seen_at = now(), last_run_id = %s where endpoint = %s",
                (run_id, endpoint),
            )
    return changes
