"""The test fixtures' own promises: a query helper that never leaks its connection, and module warehouses that
keep dbt's parse from one module to the next while each starts empty."""

from __future__ import annotations

import psycopg2
import pytest

from fmp_elt import transform_stage
from tests.fixtures.postgres import execute, query, scalar
from tests.fixtures.warehouses import database_name, module_warehouse

FULL_PARSE = "Unable to do partial parsing"


def connections(url: str) -> int:
    return scalar(url, "select count(*) from pg_stat_activity where datname = current_database()")


def test_query_closes_its_connection_when_the_statement_fails(database_url: str) -> None:
    before = connections(database_url)
    for _ in range(3):
        with pytest.raises(psycopg2.errors.UndefinedTable):
            query(database_url, "select * from no_such_table")
    assert connections(database_url) == before


def test_a_statement_without_rows_is_committed_and_returns_none(database_url: str) -> None:
    assert query(database_url, "create table t (n int)") == []
    execute(database_url, "insert into t values (%s), (%s)", (1, 2))
    assert query(database_url, "select n from t where n::text like '%'") == [(1,), (2,)]  # `%` is no placeholder


def test_the_next_module_warehouse_is_empty_and_dbt_parses_it_partially(
    pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outputs = []
    for _ in range(2):
        with module_warehouse(pg_server_url, pg_template, tmp_path_factory) as warehouse:
            assert query(warehouse.url, "select 1 from information_schema.tables where table_name = 'kept'") == []
            execute(warehouse.url, "create table public.kept (n int)")
            result = transform_stage.run_dbt(["parse"], warehouse.url, warehouse.paths)
            assert result.ok, result.output[-3000:]
            outputs.append(result.output)
    # the first parse is a full one unless a module before this one on the worker parsed already
    assert FULL_PARSE not in outputs[1], outputs[1][-3000:]
    assert query(pg_server_url, "select 1 from pg_database where datname = %s", (database_name("warehouse"),)) == []
