"""Slack alerts through an incoming webhook: a header, the fields, and the link to the run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from fmp_elt.errors import ConfigError
from fmp_elt.orchestration.alerts.message import Alert

ICONS = {"opened": ":red_circle:", "reminder": ":large_orange_circle:", "recovered": ":large_green_circle:"}


class SlackDeliveryError(RuntimeError):
    pass


@dataclass(frozen=True)
class SlackChannel:
    webhook_url: str = field(repr=False)  # the URL is the secret: never logged
    timeout: float = 10.0
    name: str = "slack"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackChannel:
        url = env["SLACK_WEBHOOK_URL"].strip()
        if not url.startswith(("https://", "http://")):
            raise ConfigError("SLACK_WEBHOOK_URL must be the webhook's http(s) URL")
        return cls(url)

    def send(self, alert: Alert) -> None:
        try:
            response = requests.post(self.webhook_url, json=message(alert), timeout=self.timeout)
        except requests.RequestException as exc:
            raise SlackDeliveryError(f"Slack webhook unreachable: {type(exc).__name__}") from None
        if response.status_code >= 300:
            raise SlackDeliveryError(f"Slack webhook answered {response.status_code}: {response.text[:200]}")


def message(alert: Alert) -> dict[str, Any]:
    """Block Kit message; `text` is the fallback for notifications and old clients."""
    lines = [f"*{label}:* {_value(label, value)}" for label, value in alert.fields()]
    return {
        "text": alert.title,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": alert.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{ICONS[alert.transition]} " + "\n".join(lines)}},
        ],
    }


def _value(label: str, value: str) -> str:
    if label == "Link" and value.startswith(("http://", "https://")):
        return f"<{value}|open the run>"
    if label in ("Error", "Detail"):
        return f"`{value[:1500]}`"
    return value
