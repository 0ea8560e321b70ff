"""Each raw table the migrations built is the one its declaration gives: the same columns and the same indexes.

The DDL the generator writes for a new dataset is run beside the migrated table (schema `declared`) and the two
are read back from PostgreSQL's catalog, so the history (hand-written migrations 0001-0010) and the declarations
cannot drift apart, and a version index the staging views cannot use shows up as a different index.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg2
import pytest

from fmp_elt.codegen import table_ddl
from fmp_elt.streams import RAW_DATASETS
from fmp_elt.streams.dataset import RawDataset
from tests.fixtures.postgres import create_database, drop_database, query, with_database

COLUMNS = """
select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, a.attgenerated,
       pg_get_expr(d.adbin, d.adrelid)
from pg_attribute as a
left join pg_attrdef as d on (d.adrelid, d.adnum) = (a.attrelid, a.attnum)
where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
order by a.attname
"""
INDEXES = """
select replace(pg_get_indexdef(indexrelid), %s, 'raw.')
from pg_index where indrelid = %s::regclass order by 1
"""


@pytest.fixture(scope="module")
def declared_url(pg_server_url: str, pg_template: str) -> Iterator[str]:
    """One migrated database with every declared table built again beside it, in schema `declared`."""
    name = create_database(pg_server_url, pg_template)
    url = with_database(pg_server_url, name)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute("create schema declared")
        for dataset in RAW_DATASETS.values():
            cur.execute(table_ddl(dataset, schema="declared"))
    conn.close()
    yield url
    drop_database(pg_server_url, name)


@pytest.mark.parametrize("dataset", RAW_DATASETS.values(), ids=lambda d: d.table)
def test_migrated_table_is_the_declared_one(declared_url: str, dataset: RawDataset) -> None:
    declared = f"declared.fmp_{dataset.name}"
    assert query(declared_url, COLUMNS, (dataset.table,)) == query(declared_url, COLUMNS, (declared,))
    migrated_indexes = query(declared_url, INDEXES, ("raw.", dataset.table))
    assert migrated_indexes == query(declared_url, INDEXES, ("declared.", declared))
    assert len(migrated_indexes) == 2  # the BRIN on _loaded_at and the version index over the record key
