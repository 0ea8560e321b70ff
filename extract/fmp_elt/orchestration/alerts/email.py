"""Email alerts over SMTP with STARTTLS: one message with a plain-text and an HTML part.

Environment (docs/reference/): SMTP_HOST, SMTP_PORT (587), SMTP_USER and SMTP_PASSWORD (login when set),
SMTP_STARTTLS (true; `false` only for a relay on a trusted network), ALERT_EMAIL_FROM, ALERT_EMAIL_TO (comma
separated). The server's certificate is checked against the system's CAs (or SSL_CERT_FILE).
"""

from __future__ import annotations

import html
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from fmp_elt.errors import ConfigError
from fmp_elt.orchestration.alerts.message import Alert

FALSE = ("0", "false", "no", "off")
LABEL_WIDTH = 12  # "Open since: " - the longest label, so values line up
COLORS = {"opened": "#c0392b", "reminder": "#d35400", "recovered": "#27ae60"}


@dataclass(frozen=True)
class EmailChannel:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    timeout: float = 20.0
    name: str = "email"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EmailChannel:
        recipients = tuple(a.strip() for a in env.get("ALERT_EMAIL_TO", "").split(",") if a.strip())
        if not recipients:
            raise ConfigError("SMTP_HOST is set but ALERT_EMAIL_TO is not: say who receives the alerts")
        raw_port = env.get("SMTP_PORT", "587").strip() or "587"
        if not (raw_port.isascii() and raw_port.isdigit() and 1 <= int(raw_port) <= 65535):
            raise ConfigError(f"SMTP_PORT={raw_port!r} is not a port number")
        user = env.get("SMTP_USER") or None
        sender = env.get("ALERT_EMAIL_FROM") or user
        if not sender:
            raise ConfigError("set ALERT_EMAIL_FROM (or SMTP_USER) as the alerts' sender address")
        return cls(
            host=env["SMTP_HOST"].strip(),
            port=int(raw_port),
            sender=sender,
            recipients=recipients,
            user=user,
            password=env.get("SMTP_PASSWORD") or None,
            starttls=env.get("SMTP_STARTTLS", "true").strip().lower() not in FALSE,
        )

    def send(self, alert: Alert) -> None:
        message = compose(alert, self.sender, self.recipients)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user and self.password:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


def compose(alert: Alert, sender: str, recipients: tuple[str, ...]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = alert.title
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="fmp-elt")
    plain = [alert.title, ""] + [f"{label + ':':<{LABEL_WIDTH}}{value}" for label, value in alert.fields()]
    message.set_content("\n".join(plain) + "\n")
    message.add_alternative(render_html(alert), subtype="html")
    return message


def render_html(alert: Alert) -> str:
    rows = "".join(
        f'<tr><th align="left" style="padding:4px 12px 4px 0">{html.escape(label)}</th>'
        f"<td>{_cell(label, value)}</td></tr>"
        for label, value in alert.fields()
    )
    color = COLORS[alert.transition]
    return (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f'<h2 style="color:{color};margin:0 0 12px">{html.escape(alert.title)}</h2>'
        f"<table>{rows}</table></body></html>"
    )


def _cell(label: str, value: str) -> str:
    if label == "Link" and value.startswith(("http://", "https://")):
        return f'<a href="{html.escape(value, quote=True)}">{html.escape(value)}</a>'
    if label in ("Error", "Detail"):
        return f"<code>{html.escape(value)}</code>"
    return html.escape(value)
