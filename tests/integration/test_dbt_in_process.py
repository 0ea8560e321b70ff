"""dbt runs in the calling process: each call sees only its own environment and leaves the process as it was.

dbt reads its settings from `os.environ`, moves into the project folder, keeps dbt.log open on a logger of its
own and counts deprecations per process; the tests below fail when a call lets any of that reach the caller or
the next call.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fmp_elt import transform_stage
from fmp_elt.redaction import redact_log_records
from tests.fixtures.raw_rows import SCREENER, at, land, query, screener
from tests.fixtures.warehouses import Warehouse, module_warehouse

FMP_KEY = "fmp-key-that-dbt-must-not-see"
# env_var() compiled into the console output: what dbt read from its environment, or the default
PROBE = "select '{{ env_var('FMP_API_KEY', 'withheld') }}' as key, '{{ env_var('FMP_ELT_PROBE', 'unset') }}' as probe"


@pytest.fixture(scope="module")
def first(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    with module_warehouse(pg_server_url, pg_template, tmp_path_factory) as warehouse:
        yield warehouse


@pytest.fixture(scope="module")
def second(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    with module_warehouse(pg_server_url, pg_template, tmp_path_factory, "fresh") as warehouse:
        yield warehouse


def compile_probe(warehouse: Warehouse) -> transform_stage.DbtResult:
    return transform_stage.run_dbt(["compile", "--inline", PROBE], warehouse.url, warehouse.paths)


def open_files() -> set[str]:
    """The files this process holds open, by path."""
    fds = Path("/proc/self/fd")
    found = set()
    for fd in fds.iterdir():
        try:
            found.add(str(fd.readlink()))
        except OSError:  # closed while listing (the listing's own descriptor)
            continue
    return found


def test_dbt_sees_none_of_our_secrets_and_the_caller_keeps_them(
    first: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMP_API_KEY", FMP_KEY)
    monkeypatch.setenv("FMP_ELT_PROBE", "reaches-dbt")
    before, cwd = dict(os.environ), Path.cwd()

    result = compile_probe(first)

    assert result.ok, result.output[-3000:]
    assert "select 'withheld' as key, 'reaches-dbt' as probe" in result.output
    assert FMP_KEY not in result.output
    assert FMP_KEY not in (first.paths.logs / "dbt.log").read_text(encoding="utf-8")
    assert dict(os.environ) == before
    assert Path.cwd() == cwd  # dbt moves into the project folder while it runs


@pytest.mark.parametrize(
    "args",
    [
        ["build", "--no-such-option"],  # refused by dbt's command line parser
        ["run-operation", "no_such_macro"],  # raised inside dbt
    ],
)
def test_a_failed_call_exits_2_and_leaves_the_process_as_it_was(
    first: Warehouse, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMP_API_KEY", FMP_KEY)
    before, cwd = dict(os.environ), Path.cwd()

    result = transform_stage.run_dbt(args, first.url, first.paths)

    assert result.returncode == 2, result.output[-3000:]
    assert ("no-such-option" in result.output) or ("no_such_macro" in result.output), result.output[-3000:]
    assert dict(os.environ) == before
    assert Path.cwd() == cwd
    # and the next call runs as if nothing had happened
    assert "select 'withheld' as key" in compile_probe(first).output


def test_the_console_is_captured_and_dbt_holds_nothing_open_after_a_call(
    first: Warehouse, capfd: pytest.CaptureFixture[str]
) -> None:
    result = compile_probe(first)

    assert result.ok, result.output[-3000:]
    assert "Compiled inline node is:" in result.output
    assert capfd.readouterr() == ("", "")  # nothing went to the process's own stdout or stderr
    assert str(first.paths.logs / "dbt.log") not in open_files()
    assert [logging.getLogger(name).handlers for name in ("stdout_log", "file_log")] == [[], []]
    print("ours again")
    assert capfd.readouterr().out == "ours again\n"


def test_echo_prints_dbt_console_to_our_stdout(first: Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    result = transform_stage.run_dbt(["compile", "--inline", PROBE], first.url, first.paths, echo=True)

    assert result.ok
    assert result.output == ""
    assert "select 'withheld' as key" in capsys.readouterr().out


def test_our_logging_is_left_as_it_was(
    first: Warehouse, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMP_API_KEY", FMP_KEY)
    previous = logging.getLogRecordFactory()
    redact_log_records()  # as every command does: our records are redacted with the secrets of the environment
    try:
        logging_after_a_call(first, caplog)
    finally:
        logging.setLogRecordFactory(previous)


def logging_after_a_call(first: Warehouse, caplog: pytest.LogCaptureFixture) -> None:
    factory, root_handlers = logging.getLogRecordFactory(), list(logging.getLogger().handlers)
    ours = logging.getLogger("fmp_elt.transform_test")
    level, handlers = logging.getLogger("fmp_elt").level, list(logging.getLogger("fmp_elt").handlers)

    with caplog.at_level(logging.INFO, logger="fmp_elt"):
        ours.info("before dbt")
        assert compile_probe(first).ok
        ours.info("after dbt: the key is %s", FMP_KEY)

    assert [record.getMessage() for record in caplog.records if record.name.startswith("fmp_elt")] == [
        "before dbt",
        "after dbt: the key is ***",
    ]
    assert not [record for record in caplog.records if record.name in ("stdout_log", "file_log")]
    assert logging.getLogRecordFactory() is factory
    assert logging.getLogger().handlers == root_handlers
    assert (logging.getLogger("fmp_elt").level, logging.getLogger("fmp_elt").handlers) == (level, handlers)


def test_each_call_shows_its_deprecations(first: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    """dbt counts deprecations per process and shows each one once: every call shows its own, as on the
    command line."""
    monkeypatch.setenv("DBT_ENGINE_FMP_ELT_PROBE", "1")  # a name under dbt's reserved prefix: a deprecation

    outputs = [compile_probe(first).output for _ in range(2)]

    assert ["DBT_ENGINE_FMP_ELT_PROBE" in output for output in outputs] == [True, True]


def test_two_warehouses_in_a_row_each_get_their_own_build(first: Warehouse, second: Warehouse) -> None:
    landed = {first.url: ["AAPL", "MSFT"], second.url: ["TSLA"]}
    for warehouse in (first, second):
        land(warehouse.url, SCREENER, [screener(s) for s in landed[warehouse.url]], loaded_at=at(0))

    for warehouse in (first, second, first):  # and back: the first's connection is not left behind
        result = transform_stage.build(warehouse.url, warehouse.paths, select=["+symbols"], data_tests=False)
        assert result.ok, result.output[-3000:]
        assert ("model", "success") in {(n.resource_type, n.status) for n in result.nodes}

    for warehouse in (first, second):
        rows = query(warehouse.url, "select symbol, company_name from marts.symbols order by symbol")
        assert rows == [(s, f"{s} Inc.") for s in sorted(landed[warehouse.url])]
    # dbt closed its connections when each call ended (the warehouses can be dropped)
    sessions = "select count(*) from pg_stat_activity where application_name = 'fmp-elt-dbt'"
    assert query(first.url, sessions) == [(0,)]
