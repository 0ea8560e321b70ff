"""The status/logs API and the dashboard, read-only (`fmp-elt serve`).

Routes under /api answer the status/logs contracts (status/models.py); `/` is the dashboard, `/openapi.json` the
OpenAPI document, `/metrics` the same figures for Prometheus (serve/metrics.py). When a token is configured every
/api route and /metrics want `Authorization: Bearer <token>`; the page and the OpenAPI document hold no data and
stay open. Each request reads on its own read-only connection.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from psycopg2.extensions import connection as Connection

from fmp_elt import clock, tickers
from fmp_elt.config import Plan, plan_from_env
from fmp_elt.errors import WarehouseUnavailable
from fmp_elt.job_config import JobConfig, load_jobs
from fmp_elt.serve import STATIC_DIR, metrics
from fmp_elt.serve.middleware import HeadAsGet, RedactedBodies
from fmp_elt.status import anomalies, models, periods, queries, universe
from fmp_elt.warehouse.connection import connect

JOB_PATTERN = r"^[A-Za-z0-9_.\-]{1,100}$"

Job = Annotated[str | None, Query(pattern=JOB_PATTERN, description="only this job's entries")]


bearer = HTTPBearer(auto_error=False, description="the value of ETL_API_TOKEN")


def authorized(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    token: str | None = request.app.state.token
    if token is None:
        return
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})


def database(request: Request) -> Iterator[Connection]:
    """A read-only connection for one request: the API cannot write even by mistake. (Its name is outside
    `fmp-elt:*`, the sessions of pipeline jobs that a new run cleans up after a crashed one.)"""
    conn = connect(request.app.state.database_url, application_name="fmp-elt-api")
    try:
        conn.set_session(readonly=True, autocommit=True)
        yield conn
    finally:
        conn.close()


def configured_jobs(request: Request) -> list[JobConfig]:
    jobs: list[JobConfig] = request.app.state.jobs
    return jobs


Db = Annotated[Connection, Depends(database)]
Jobs = Annotated[list[JobConfig], Depends(configured_jobs)]
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "ETL_API_TOKEN is set and the bearer token is missing or wrong"}
}


router = APIRouter(prefix="/api", dependencies=[Depends(authorized)], responses=UNAUTHORIZED)


@router.get("/etl/status", response_model=models.StatusResponse)
def status(conn: Db, jobs: Jobs) -> models.StatusResponse:
    """Overall health, the latest execution, and per job its last and next run."""
    return queries.status(conn, jobs)


@router.get("/etl/logs", response_model=models.LogsResponse)
def logs(
    conn: Db,
    job: Job = None,
    level: Annotated[models.Level | None, Query(description="only lines of this level")] = None,
    run: Annotated[UUID | None, Query(description="only this run id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> models.LogsResponse:
    """Structured log lines, newest first, paginated."""
    return queries.logs(conn, job=job, level=level, run_id=str(run) if run else None, limit=limit, page=page)


@router.get("/etl/executions", response_model=models.ExecutionsResponse)
def executions(
    conn: Db,
    job: Job = None,
    status: Annotated[Literal["running", "completed", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> models.ExecutionsResponse:
    """Job runs, newest first: duration, records, error, metadata (calls, retries, dbt and GX results)."""
    return models.ExecutionsResponse(executions=queries.executions(conn, job=job, status=status, limit=limit))


@router.get("/etl/metrics", response_model=models.MetricsResponse)
def operational_metrics(request: Request, conn: Db, jobs: Jobs) -> models.MetricsResponse:
    """Per job the success rate, throughput and availability (scheduled runs completed, and on time); FMP calls
    and bytes per run and per day against the plan's trailing-30-day bandwidth cap, with a forecast; schema changes."""
    return queries.metrics(conn, jobs, request.app.state.plan)


@router.get("/etl/week", response_model=periods.WeekView)
def week(conn: Db, jobs: Jobs) -> periods.WeekView:
    """The last 7 days' performance per job: runs, failures, mean and longest duration, rows, fires on time."""
    return periods.week_view(conn, jobs, clock.now())


@router.get("/etl/month", response_model=periods.MonthView)
def month(request: Request, conn: Db) -> periods.MonthView:
    """The last 30 days' cost and usage: FMP calls and bytes against the plan the runs used, runner minutes."""
    return periods.month_view(conn, queries.plan_in_use(conn, request.app.state.plan), clock.now())


@router.get("/etl/jobs", response_model=models.JobsResponse)
def job_definitions(jobs: Jobs) -> models.JobsResponse:
    """The job configuration (the ETLJobConfig fields of jobs.yml) with each job's next fire time."""
    return models.JobsResponse(jobs=queries.job_definitions(jobs, clock.now()))


@router.get("/quality", response_model=models.QualityResponse)
def quality(
    conn: Db,
    dataset: Annotated[str | None, Query(pattern=JOB_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> models.QualityResponse:
    """Data quality measurements per dataset, oldest first (a trend)."""
    return models.QualityResponse(checks=queries.quality(conn, dataset=dataset, limit=limit))


@router.get("/freshness", response_model=models.FreshnessResponse)
def freshness(conn: Db, jobs: Jobs) -> models.FreshnessResponse:
    """When each raw and mart table was last refreshed, and whether that is recent enough."""
    return models.FreshnessResponse(tables=queries.freshness(conn, jobs))


@router.get("/symbols", response_model=models.SymbolsResponse)
def symbols(conn: Db) -> models.SymbolsResponse:
    """Symbols that have moving averages."""
    return models.SymbolsResponse(symbols=queries.symbols(conn))


@router.get("/prices/{symbol}", response_model=models.PricesResponse)
def prices(
    conn: Db,
    symbol: Annotated[str, PathParam(pattern=tickers.ANY_CASE_PATTERN)],
    limit: Annotated[int, Query(ge=1, le=5000)] = 400,
) -> models.PricesResponse:
    """A symbol's close with its simple moving averages, oldest first."""
    return queries.prices(conn, symbol.upper(), limit)


@router.get("/universe", response_model=universe.UniverseResponse)
def universe_history(conn: Db) -> universe.UniverseResponse:
    """The universe's size at each screener run that changed it, and what the latest run added and removed."""
    return universe.universe(conn)


@router.get("/anomalies", response_model=anomalies.AnomaliesResponse)
def price_anomalies(
    conn: Db,
    symbol: Annotated[str | None, Query(pattern=tickers.ANY_CASE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
) -> anomalies.AnomaliesResponse:
    """Price anomalies and price/corporate-action mismatches: counts per kind and the newest ones."""
    return anomalies.price_anomalies(conn, symbol=symbol.upper() if symbol else None, limit=limit)


def create_app(
    database_url: str, token: str | None = None, jobs: list[JobConfig] | None = None, plan: Plan | None = None
) -> FastAPI:
    """The API over `database_url`; `token` set: bearer auth on /api and /metrics; `jobs` default to jobs.yml,
    `plan` (whose bandwidth cap the usage figures compare with) to FMP_PLAN's."""
    app = FastAPI(
        title="fmp-elt status API",
        version="1.0",
        description="Read-only status, run log, data quality and freshness of the fmp-elt pipeline.",
        docs_url=None,  # the interactive docs load their scripts from a CDN; the OpenAPI document is enough
        redoc_url=None,
    )
    app.state.database_url = database_url
    app.state.token = token
    app.state.jobs = jobs if jobs is not None else load_jobs()
    app.state.plan = plan or plan_from_env()
    app.state.metrics = metrics.registry(database_url, app.state.jobs, app.state.plan)
    app.include_router(router)
    app.add_middleware(RedactedBodies)
    app.add_middleware(HeadAsGet)  # outermost: the redaction sees a GET

    @app.exception_handler(WarehouseUnavailable)
    def unavailable(_request: Request, exc: WarehouseUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.get(
        "/metrics",
        dependencies=[Depends(authorized)],
        response_class=Response,
        responses={**UNAUTHORIZED, 200: {"content": {metrics.CONTENT_TYPE: {}}, "description": "Prometheus text"}},
    )
    def prometheus(request: Request) -> Response:
        """Job status, durations, rows, failures, quality, freshness and FMP usage in Prometheus' text format."""
        return Response(metrics.exposition(request.app.state.metrics), media_type=metrics.CONTENT_TYPE)

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
