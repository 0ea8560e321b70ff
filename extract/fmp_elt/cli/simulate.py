"""`fmp-elt simulate`: serve the local FMP simulator in the foreground."""

from __future__ import annotations

import signal
import threading
from datetime import datetime
from types import FrameType

import click

from fmp_elt import trading_calendar
from fmp_elt.cli.options import PLAN_CHOICE
from fmp_elt.errors import ConfigError


@click.command("simulate")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (keep it loopback).")
@click.option("--port", default=8765, show_default=True, help="TCP port; 0 picks a free one.")
@click.option("--symbols", "n_symbols", default=50, show_default=True, help="How many synthetic symbols.")
@click.option("--seed", default=42, show_default=True, help="Same seed, same data.")
@click.option(
    "--plan",
    type=PLAN_CHOICE,
    default="starter",
    show_default=True,
    help="Plan of the key: gates, rate limit, history depth.",
)
@click.option("--key", default="demo-key", show_default=True, help="The API key the simulator accepts.")
@click.option("--latency-ms", default=0.0, show_default=True, help="Added to every answer.")
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2015-01-02",
    show_default=True,
    help="First day of the synthetic history.",
)
@click.option(
    "--end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the synthetic history ('today'); default: today.",
)
@click.option("--rate-limit/--no-rate-limit", default=True, show_default=True, help="Enforce the plan's limit.")
@click.option("--bulk-interval", default=30.0, show_default=True, help="Seconds between two bulk calls per key.")
def command(
    host: str,
    port: int,
    n_symbols: int,
    seed: int,
    plan: str,
    key: str,
    latency_ms: float,
    start: datetime,
    end: datetime | None,
    rate_limit: bool,
    bulk_interval: float,
) -> None:
    """Serve a local FMP-compatible /stable/ API until Ctrl+C."""
    from fmp_elt.simulator import Simulator, SimulatorConfig

    config = SimulatorConfig(
        n_symbols=n_symbols,
        seed=seed,
        start=start.date(),
        end=end.date() if end is not None else trading_calendar.latest_session(),
        keys={key: plan},
        latency_ms=latency_ms,
        enforce_rate_limit=rate_limit,
        bulk_min_interval_s=bulk_interval,
        host=host,
        port=port,
    )
    try:
        simulator = Simulator(config)
        base_url = simulator.start()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot start the simulator on {host}:{port}: {exc}") from None
    click.echo(f"FMP simulator: {n_symbols} symbols, seed {seed}, history {config.start} to {config.end}")
    click.echo(f"FMP_BASE_URL={base_url}")
    click.echo(f"FMP_API_KEY={key}")
    click.echo(f"FMP_PLAN={plan}")
    click.echo("Ctrl+C to stop.", err=True)
    _wait_for_signal()
    simulator.stop()
    click.echo("stopped", err=True)


def _wait_for_signal() -> None:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
