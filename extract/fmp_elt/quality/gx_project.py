"""The Great Expectations file context committed under `expectations/gx/`, and how a run opens it.

The committed `great_expectations.yml` names the warehouse data source, the stores and Data Docs (the table
assets come from the dataset declarations, written into the run's copy, see `with_table_assets`); it
reads every run-specific value from the environment (`${FMP_ELT_GX_...}`), which `gx_environment` sets for
the duration of a run. Suites, validation definitions, the checkpoint and results go to a state directory of
the run, so validating never edits a file in the repository.

The committed copy (in the installed package, or the checkout's `expectations/`) is only read: a run opens a
copy of it under `<FMP_ELT_HOME>/gx/`, so whatever GX creates beside its configuration (`uncommitted/`, any
scaffolding) lands in the home, never in the installation.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlparse

import yaml

from fmp_elt import bundled, yaml_text
from fmp_elt.config import data_dir
from fmp_elt.warehouse.connection import connection_parts

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext

CONFIG_FILE = "great_expectations.yml"
DATASOURCE = "warehouse"
BATCH_DEFINITION = "whole_table"
CHECKPOINT = "quality"
ENV_WAREHOUSE = "FMP_ELT_GX_WAREHOUSE"
ENV_STATE_DIR = "FMP_ELT_GX_STATE_DIR"
ENV_DOCS_DIR = "FMP_ELT_GX_DOCS_DIR"
# libpq settings that `connection_parts` already covers; any other query parameter (sslmode, ...) is kept.
_COVERED = {"host", "port", "user", "password", "dbname"}


def sqlalchemy_url(database_url: str) -> str:
    """The warehouse's libpq URL as a SQLAlchemy URL (psycopg2 driver).

    A Unix-socket directory (the embedded server) becomes the `host` query parameter: GX rejects a socket
    path in the URL's host part.
    """
    from sqlalchemy.engine import URL

    parts = connection_parts(database_url)
    query = {k: v for k, v in parse_qsl(urlparse(database_url).query) if k not in _COVERED}
    socket = parts["host"].startswith("/")
    if socket:
        query.update(host=parts["host"], port=parts["port"])
    url = URL.create(
        "postgresql+psycopg2",
        username=parts["user"] or None,
        password=parts["password"] or None,
        host=None if socket else parts["host"],
        port=None if socket else int(parts["port"]),
        database=parts["dbname"],
        query=query,
    )
    return url.render_as_string(hide_password=False)


@contextmanager
def gx_environment(database_url: str, state_dir: Path, docs_dir: Path) -> Iterator[None]:
    """Set the variables the committed configuration reads, and restore them afterwards."""
    values = {
        ENV_WAREHOUSE: sqlalchemy_url(database_url),
        ENV_STATE_DIR: str(state_dir),
        ENV_DOCS_DIR: str(docs_dir),
        # Belt and braces: the configuration turns analytics off too.
        "GX_ANALYTICS_ENABLED": "false",
    }
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def __getattr__(name: str) -> Path:
    # PROJECT_ROOT, the folder of the committed context, is looked up when asked for: the lookup fails (one
    # ConfigError line) when neither the bundle nor a checkout holds it, and importing must not.
    if name == "PROJECT_ROOT":
        return bundled.expectations_dir()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def working_root(home: Path | None = None) -> Path:
    """`<FMP_ELT_HOME>/gx`: the writable project root a run opens the context from."""
    return (data_dir() if home is None else home) / "gx"


def with_table_assets(config_text: str, tables: Mapping[str, str]) -> str:
    """The configuration with one table asset per dataset (name -> `schema.table`), each validated whole.

    Written once before the context opens: adding them through GX rewrites the whole file per asset and per
    batch definition. Their ids derive from the names, so the same datasets always give the same file.
    """
    config = yaml_text.load(config_text)
    datasource = config["fluent_datasources"][DATASOURCE]
    namespace = uuid.UUID(datasource["id"])
    assets = {}
    for name, table in tables.items():
        schema, _, table_name = table.partition(".")
        asset_id = uuid.uuid5(namespace, name)
        assets[name] = {
            "type": "table",
            "id": str(asset_id),
            "batch_metadata": {},
            "batch_definitions": {
                BATCH_DEFINITION: {"id": str(uuid.uuid5(asset_id, BATCH_DEFINITION)), "partitioner": None}
            },
            "table_name": table_name,
            "schema_name": schema,
        }
    datasource["assets"] = assets
    header = f"# The committed {CONFIG_FILE} with a table asset per quality dataset; rewritten by each run.\n"
    return header + yaml.safe_dump(config, sort_keys=False)


def prepare_working_root(home: Path | None = None, tables: Mapping[str, str] | None = None) -> Path:
    """Copy the committed configuration (with `tables` as assets) into the working root when it is missing or
    differs; return the root."""
    committed = (bundled.expectations_dir() / "gx" / CONFIG_FILE).read_text(encoding="utf-8")
    wanted = (with_table_assets(committed, tables) if tables else committed).encode()
    root = working_root(home)
    config = root / "gx" / CONFIG_FILE
    if not config.is_file() or config.read_bytes() != wanted:
        config.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed over: a validation running at the same time never reads half a file.
        partial = config.with_name(f".{CONFIG_FILE}.{os.getpid()}.partial")
        partial.write_bytes(wanted)
        partial.replace(config)
    return root


def open_context(home: Path | None = None, tables: Mapping[str, str] | None = None) -> FileDataContext:
    """The committed file context with `tables` as assets, opened from its copy under the home (call inside
    `gx_environment`)."""
    root = prepare_working_root(home, tables)
    import great_expectations as gx

    return gx.get_context(mode="file", project_root_dir=str(root))


# What a Data Docs build writes at the top of its folder; only these are replaced when publishing.
DOCS_ENTRIES = ("index.html", "expectations", "validations", "static")


def publish_docs(built: Path, target: Path) -> Path:
    """Move a fresh Data Docs build into `target`, replacing the previous build's files (and nothing else)."""
    target.mkdir(parents=True, exist_ok=True)
    fresh = list(built.iterdir())
    for name in {*DOCS_ENTRIES, *(entry.name for entry in fresh)}:
        old = target / name
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        elif old.exists() or old.is_symlink():
            old.unlink()
    for entry in fresh:
        shutil.move(str(entry), target / entry.name)
    return target / "index.html"
