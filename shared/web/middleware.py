"""Pure ASGI middleware every service runs: request metrics, empty query parameters, the body-size limit.

Pure ASGI rather than ``@app.middleware("http")``: it sees a request that
ends in an unhandled exception (so a 500 is counted in /metrics), and it
costs less per request.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.json_codec import dumps_bytes
from shared.web.responses import error_body

ACCESS_LOG = logging.getLogger("jobmatch.access")
REQUESTS = Counter("jobmatch_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("jobmatch_http_request_seconds", "HTTP request latency", ["method", "route"])
HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
"""The standard methods: metrics label any other as "other"; a 405's Allow is found among them."""


class EmptyQueryParametersMiddleware:
    """``?region=&q=电工`` means no region: a kiosk form sends every field, filled or not.

    An empty parameter is dropped before routing, for every route, rather than
    each optional parameter failing its pattern or type on an empty string.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            # latin-1 both ways keeps every byte as it came (percent-escaped or raw UTF-8).
            raw = scope["query_string"].decode("latin-1")
            pairs = parse_qsl(raw, keep_blank_values=True, encoding="latin-1")
            kept = [(name, value) for name, value in pairs if value.strip()]
            if len(kept) != len(pairs):
                scope = {**scope, "query_string": urlencode(kept, encoding="latin-1").encode("latin-1")}
        await self.app(scope, receive, send)


class MetricsMiddleware:
    """Request counts and latency per route; with ``access_log``, one log line per request.

    The access line names the route's template (``/v1/seekers/{seeker_id}``), never the path or the
    query string as sent: a phone or ID number typed into ``q`` or a seeker's id must not reach a log.
    It names the caller by key id, not by address.
    """

    def __init__(self, app: ASGIApp, *, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # One state dict for the whole chain (scopes are copied on the way in): the access middleware
        # leaves the caller's principal in it.
        state = scope.setdefault("state", {})
        # 500 if the app raises before it answers; 499 (nginx's "client closed request") if the client left.
        status = 500
        answered = False

        async def record_status(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, record_status)
            if not answered:
                status = 499
        finally:
            # The router puts the matched route in the scope; unmatched paths and unknown methods share
            # one label each, so a scanner cannot grow the number of series.
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"] if scope["method"] in HTTP_METHODS else "other"
            elapsed = time.perf_counter() - started
            LATENCY.labels(method, route).observe(elapsed)
            REQUESTS.labels(method, route, str(status)).inc()
            if self.access_log:
                principal = state.get("principal")
                ACCESS_LOG.info(
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "key_id": getattr(principal, "key_id", None),
                    },
                )


class BodyLimitMiddleware:
    """Refuses a body over ``limit`` bytes with 413 as soon as it passes the limit, on every route.

    The body is read here (never more than ``limit`` bytes in memory) and replayed
    to the app, so a route or FastAPI's own body parsing cannot bypass the limit. ``streamed`` paths are
    passed through unread: their route streams the body to disk and enforces its own, larger limit.
    """

    def __init__(self, app: ASGIApp, *, limit: int, streamed: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.limit = limit
        self.streamed = streamed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE")
            or scope["path"] in self.streamed
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        content = dumps_bytes(
            error_body(
                "PAYLOAD_TOO_LARGE", f"请求体超过上限 {self.limit} 字节", [{"limit_bytes": self.limit}]
            )
        )
        headers: list[Any] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": content})
