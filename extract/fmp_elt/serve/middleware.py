"""ASGI middleware of the API: bodies redacted on their way out, and HEAD answered wherever GET is."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fmp_elt.redaction import redact

REDACTED_PREFIXES = ("/api", "/metrics")  # what reads the warehouse; the page and its static files hold no data


class RedactedBodies:
    """Buffers the body of every /api and /metrics answer and applies the redaction rule to it.

    The run log is redacted when written; this catches what was stored before, and secrets configured only
    for the server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(REDACTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = redact(b"".join(chunks).decode("utf-8", errors="replace")).encode("utf-8")
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, buffered)


class HeadAsGet:
    """HEAD runs the GET route and sends its headers only (FastAPI's routes answer HEAD with 405)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
