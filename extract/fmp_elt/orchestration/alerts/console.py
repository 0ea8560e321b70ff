"""Alerts as one line of text each, handed to a writer: what `fmp-elt demo` uses, so that its replayed
failures and recoveries show on its own output and never reach the Slack or email of the environment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fmp_elt.orchestration.alerts.message import Alert


@dataclass(frozen=True)
class ConsoleChannel:
    write: Callable[[str], None]
    name: str = "console"

    def send(self, alert: Alert) -> None:
        shown = [f"{label}: {value}" for label, value in alert.fields() if label not in ("Link", "Time")]
        self.write(f"alert: {alert.title} ({'; '.join(shown)})")
