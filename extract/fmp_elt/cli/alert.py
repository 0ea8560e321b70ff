"""`fmp-elt alert SUBJECT`: send one alert now on the configured channels (Slack, email).

`fmp-elt run` alerts on its own jobs. This is for what fails around it: a deployment that could not install the
project, reach the warehouse or publish the site (the scheduled workflow's failure step calls it). It needs no
database, and it is not throttled: each call is one message.
"""

from __future__ import annotations

import os

import click

from fmp_elt import clock


@click.command("alert")
@click.argument("subject")
@click.option("--detail", help="What went wrong, in a line.")
@click.option(
    "--run",
    "run_id",
    envvar="GITHUB_RUN_ID",
    default="-",
    show_default=True,
    help="The run to point at (default: the GitHub Actions run, when there is one).",
)
def command(subject: str, detail: str | None, run_id: str) -> None:
    """Send an alert about SUBJECT (e.g. "workflow elt") to Slack and email, as configured."""
    from fmp_elt.orchestration.alerts import Alert, Condition, channels_from_env, deliver, run_link

    channels = channels_from_env()
    if not channels:
        click.echo("no alert channel is configured (SLACK_WEBHOOK_URL, SMTP_HOST): nothing sent", err=True)
        return
    condition = Condition(f"adhoc:{subject}", "job_failed", active=True, subject=subject, detail=detail)
    alert = Alert(condition, "opened", run_id, run_link(run_id, os.environ), clock.now())
    delivered = deliver(alert, channels)
    if not delivered:
        raise click.ClickException("no channel took the alert (see the warnings above)")
    failed = [channel.name for channel in channels if channel.name not in delivered]
    not_sent = f" (not sent on {', '.join(failed)}: see the warning above)" if failed else ""
    click.echo(f"sent on {', '.join(delivered)}: {alert.redacted().title}{not_sent}")
