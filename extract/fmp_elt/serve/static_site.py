"""`fmp-elt site OUT`: a static site to publish (e.g. GitHub Pages): the dashboard over exported API
snapshots, the dbt docs and the Great Expectations Data Docs, under one index page.

    OUT/index.html               links to the three
    OUT/dashboard/               the same page `fmp-elt serve` shows, reading OUT/dashboard/data/*
    OUT/dashboard/data/KEY.json  the API's answers at build time (KEY.js: the same, loadable from file://)
    OUT/dbt/index.html           `dbt docs generate --static` output
    OUT/quality/                 GX Data Docs
"""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from psycopg2.extensions import connection as Connection
from pydantic import BaseModel

from fmp_elt import clock
from fmp_elt.config import Settings, plan_from_env, usable_dir
from fmp_elt.job_config import JobConfig
from fmp_elt.quality import default_docs_dir
from fmp_elt.redaction import redact
from fmp_elt.serve import STATIC_DIR
from fmp_elt.status import anomalies, models, periods, queries, schedule, universe
from fmp_elt.transform_stage import DbtPaths
from fmp_elt.warehouse.connection import connect

STATIC_MARKER = "<!-- fmp-elt:static-mode -->"
PRICE_LIMIT = 400  # the dashboard's PRICE_LIMIT

Snapshot = Callable[[Connection, list[JobConfig], datetime], BaseModel]

# Keep in step with SOURCES in extract/fmp_elt/serve/static/app.js: same keys, same query arguments.
SNAPSHOTS: dict[str, Snapshot] = {
    "status": lambda conn, jobs, now: queries.status(conn, jobs, now),
    "jobs": lambda conn, jobs, now: models.JobsResponse(jobs=queries.job_definitions(jobs, now)),
    "executions": lambda conn, jobs, now: models.ExecutionsResponse(executions=queries.executions(conn, limit=300)),
    "errors": lambda conn, jobs, now: models.ExecutionsResponse(
        executions=queries.executions(conn, status="failed", limit=20)
    ),
    "quality": lambda conn, jobs, now: models.QualityResponse(checks=queries.quality(conn, limit=1000)),
    "freshness": lambda conn, jobs, now: models.FreshnessResponse(tables=queries.freshness(conn, jobs, now)),
    "metrics": lambda conn, jobs, now: queries.metrics(conn, jobs, plan_from_env(), now),
    "universe": lambda conn, jobs, now: universe.universe(conn),
    "week": lambda conn, jobs, now: periods.week_view(conn, jobs, now),
    "month": lambda conn, jobs, now: periods.month_view(conn, queries.plan_in_use(conn, plan_from_env()), now),
    "anomalies": lambda conn, jobs, now: anomalies.price_anomalies(conn, limit=50),
}


def default_sources(settings: Settings) -> tuple[Path, Path]:
    """Where the docs are built by default: `fmp-elt transform --docs`'s file, `fmp-elt quality`'s Data Docs."""

    return DbtPaths.under(settings.home).static_docs, default_docs_dir()


@dataclass
class SiteReport:
    index: Path
    sections: dict[str, Path | None] = field(default_factory=dict)
    symbols: int = 0


def build_site(
    url: str,
    out: Path,
    jobs: list[JobConfig],
    *,
    dbt_docs: Path | None = None,
    quality_docs: Path | None = None,
    max_symbols: int = 100,
    now: datetime | None = None,
    writer: str | None = None,
    docs: Path | None = None,
) -> SiteReport:
    """Write the site into `out` (its dashboard/, dbt/ and quality/ are replaced) and return what it holds.

    `writer` is the id of the execution building the site when a job of a run does (the `site` job): its
    snapshot shows that execution completed at `now` rather than running, the state the run is in once the
    job that publishes it is done. The snapshot is written last, after the docs, so that little of the job
    is left to fail once it has been taken; a job that fails even so is in the next site.
    """
    now = now or clock.now()
    usable_dir(out, "the site folder")
    report = SiteReport(out / "index.html")
    report.sections["dbt"] = copy_dbt_docs(dbt_docs, out / "dbt")
    report.sections["quality"] = copy_tree_docs(quality_docs, out / "quality")
    report.sections["docs"] = copy_tree_docs(docs, out / "docs")
    report.symbols = write_dashboard(url, out / "dashboard", jobs, now, max_symbols, writer)
    report.sections["dashboard"] = out / "dashboard" / "index.html"
    (out / ".nojekyll").touch()  # GitHub Pages: serve folders whose names start with "_" as they are
    due = min((job.next_fire(now) for job in jobs), default=None) if watches_schedule() else None
    report.index.write_text(redact(index_page(report, now, due)), encoding="utf-8")
    return report


def write_dashboard(
    url: str, target: Path, jobs: list[JobConfig], now: datetime, max_symbols: int, writer: str | None = None
) -> int:
    """Copy the dashboard page and export its data; returns how many symbols got a price chart.

    Every snapshot is read in one repeatable-read transaction, so that they all show the same moment. With a
    `writer`, that transaction first records the writer's execution as completed, and is rolled back at the
    end: the snapshot shows the run as it is once the writer is done, and the run log stays the runner's.
    """
    _replace_dir(target)
    shutil.copytree(STATIC_DIR, target / "static")
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    taken = json.dumps(now.isoformat())
    watch = json.dumps(watches_schedule())
    flag = (
        f"<script>window.FMP_ELT_STATIC = true; window.FMP_ELT_SNAPSHOT_TAKEN = {taken};"
        f" window.FMP_ELT_SCHEDULE_WATCH = {watch};</script>"
    )
    (target / "index.html").write_text(page.replace(STATIC_MARKER, flag), encoding="utf-8")
    data = target / "data"
    conn = connect(url, application_name="fmp-elt-site")
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=writer is None)
        if writer is not None:
            as_completed(conn, writer, now)
        for key, snapshot in SNAPSHOTS.items():
            write_snapshot(data, key, snapshot(conn, jobs, now))
        symbols = queries.symbols(conn, limit=max_symbols)
        write_snapshot(data, "symbols", models.SymbolsResponse(symbols=symbols))
        for symbol in symbols:
            write_snapshot(data, f"prices/{symbol}", queries.prices(conn, symbol, PRICE_LIMIT))
    finally:
        conn.rollback()
        conn.close()
    return len(symbols)


def watches_schedule() -> bool:
    """Whether the published pages say `stale` once the next scheduled run is overdue: not for a replay (the demo),
    whose runs happened on past days that no schedule will follow."""
    return clock.replay_lag().total_seconds() == 0


def as_completed(conn: Connection, execution_id: str, now: datetime) -> None:
    """Within the snapshot's transaction only: the writing execution, still running, as completed at `now`."""
    with conn.cursor() as cur:
        cur.execute(
            "update etl.executions set status = 'completed', end_time = %s where id = %s and status = 'running'",
            (now, execution_id),
        )


def write_snapshot(data: Path, key: str, value: BaseModel) -> None:
    """KEY.json as the API answers it, and KEY.js that hands the same to the page by a <script> tag."""
    path = data / key
    path.parent.mkdir(parents=True, exist_ok=True)
    body = redact(value.model_dump_json(by_alias=True))  # the site is published: the run log's errors too
    path.with_name(path.name + ".json").write_text(body, encoding="utf-8")
    script = f"(window.FMP_ELT_DATA = window.FMP_ELT_DATA || {{}})[{json.dumps(key)}] = {body};\n"
    path.with_name(path.name + ".js").write_text(script, encoding="utf-8")


def copy_dbt_docs(source: Path | None, target: Path) -> Path | None:
    """dbt's single-file docs (target/static_index.html) become dbt/index.html."""
    if source is not None and source.is_dir():
        source = source / "static_index.html"
    if source is None or not source.is_file():
        return None
    _replace_dir(target)
    shutil.copyfile(source, target / "index.html")
    return target / "index.html"


def copy_tree_docs(source: Path | None, target: Path) -> Path | None:
    """A built docs folder with an index.html (GX Data Docs) copied as it is."""
    if source is None or not (source / "index.html").is_file():
        return None
    if source.resolve() == target.resolve():  # built in place (the default when the site is <home>/site)
        return target / "index.html"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return target / "index.html"


def _replace_dir(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


SECTION_TEXT = {
    "dashboard": ("Dashboard", "Jobs, run history, quality trend, freshness, errors, prices with moving averages."),
    "dbt": ("dbt docs", "Models, sources, tests and lineage of the warehouse."),
    "quality": ("Data quality (Great Expectations)", "Expectation suites and the latest validation results."),
    "docs": ("Documentation", "Get started, use the data, operate, extend, reference (CLI, variables, API, metrics)."),
}
MISSING_HINT = {
    "dbt": "not built yet: run `fmp-elt transform --docs`, then `fmp-elt site` again",
    "quality": "not built yet: run `fmp-elt quality`, then `fmp-elt site` again",
    "docs": "not built: `fmp-elt site` builds it from a checkout with the docs extra (`pip install -e '.[docs]'`)",
}


def index_page(report: SiteReport, now: datetime, due: datetime | None = None) -> str:
    """The site's front page; `due` is when the schedule runs next, after which (with its grace) this site, which
    only a run rebuilds, says it is stale."""
    items = []
    for key, (title, blurb) in SECTION_TEXT.items():
        path = report.sections.get(key)
        if path is None:
            items.append(f'<li class="missing"><strong>{title}</strong>: {html.escape(MISSING_HINT[key])}</li>')
        else:
            href = path.relative_to(report.index.parent).as_posix()
            items.append(f'<li><a href="{href}" id="link-{key}">{title}</a><br><span>{html.escape(blurb)}</span></li>')
    stale_after = json.dumps((due + schedule.GRACE).isoformat() if due else None)
    built = f"{now:%Y-%m-%d %H:%M} UTC"
    return INDEX_TEMPLATE.format(items="\n".join(items), built=built, stale_after=stale_after)


INDEX_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fmp-elt</title><link rel="icon" href="data:,">
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 760px; margin: 40px auto; padding: 0 20px; color: #1d2330; }}
.stale {{ background: #fce8e6; color: #a50e0e; padding: 10px 14px; border-radius: 6px; font-weight: 600; }}
li {{ margin: 0 0 18px; }} li span, .missing, footer {{ color: #6b7280; }} a {{ font-size: 17px; font-weight: 600; }}
</style></head>
<body>
<h1>fmp-elt</h1>
<p>Financial Modeling Prep market data in PostgreSQL: extraction, dbt marts, Great Expectations checks.</p>
<ul>
{items}
</ul>
<p id="stale" class="stale" role="alert" hidden>Stale: no scheduled run has published this site since {built}, though
one was due. GitHub disables scheduled workflows in forks until enabled, and in public repositories after 60 days
without activity: enable the workflow again (see the docs, Operate, Scheduling).</p>
<footer>Built {built}.</footer>
<script>
  const staleAfter = {stale_after};
  document.getElementById("stale").hidden = !(staleAfter && Date.now() > Date.parse(staleAfter));
</script>
</body></html>
"""


def describe(report: SiteReport) -> dict[str, Any]:
    return {
        "index": str(report.index),
        "sections": {k: str(v) if v else None for k, v in report.sections.items()},
        "symbols": report.symbols,
    }
