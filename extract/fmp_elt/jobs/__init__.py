"""One adapter per configured job (`module:` in jobs.yml): each exposes `run(ctx: JobContext) -> JobResult`.

The contract they implement lives in `fmp_elt.orchestration.job_context`.
"""
