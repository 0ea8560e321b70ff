"""Orchestration: the run log, jobs and their runner, dbt and GX invocations, notifications."""
