"""A job platform for the connector tests: a small ASGI app served on 127.0.0.1 by uvicorn in a thread.

It holds postings and answers a paged listing (``/jobs?page=&size=``) and a change feed in the partner
exchange's shape (``/v1/feeds/{kind}?since=&limit=``), with ETag / Last-Modified and 304s. Each test
makes it misbehave on purpose: ``faults`` maps a page (its number, or the cursor sent) to what its next
requests get, one entry per request ("500", "timeout", "malformed", "not_a_list", "429"), after which
the page is served normally; ``hold`` keeps a page's request waiting until released. Every request is
logged with its time, parameters and headers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.helpers import free_port


@dataclass
class Seen:
    """A request as it arrived; ``status`` is filled in when it is answered (0 until then)."""

    at: float
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    status: int = 0


@dataclass
class Platform:
    jobs: list[dict[str, Any]] = field(default_factory=list)
    """The listing, in its order."""
    feed: list[dict[str, Any]] = field(default_factory=list)
    """The change feed's items, in order; a cursor is a position in it."""
    token: str | None = None
    """When set, a request without ``Authorization: Bearer <token>`` gets 401."""
    faults: dict[str, list[str]] = field(default_factory=dict)
    retry_after: str = "1"
    sleep_s: float = 3.0
    hold: dict[str, threading.Event] = field(default_factory=dict)
    twice: dict[int, int] = field(default_factory=dict)
    """Page → the page whose items it serves instead (a page served twice)."""
    after_page: dict[str, Callable[[], None]] = field(default_factory=dict)
    """Page → what happens once it has been served (a record edited between pages)."""
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def requests_for(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def pages_requested(self, path: str = "/jobs") -> list[str]:
        return [s.params.get("page", "") for s in self.requests_for(path)]

    async def _fault(self, key: str) -> Response | None:
        hold = self.hold.get(key)
        while hold is not None and not hold.is_set():
            await asyncio.sleep(0.02)
        queue = self.faults.get(key)
        if not queue:
            return None
        fault = queue.pop(0)
        if fault == "500":
            return JSONResponse({"error": "boom"}, status_code=500)
        if fault == "503":
            return Response("down", status_code=503)
        if fault == "429":
            return Response("slow down", status_code=429, headers={"Retry-After": self.retry_after})
        if fault == "timeout":
            await asyncio.sleep(self.sleep_s)
            return Response("[]", media_type="application/json")
        if fault == "malformed":
            return Response('{"data": {"items": [', media_type="application/json")
        if fault == "not_a_list":
            return JSONResponse({"data": {"items": {"oops": 1}}, "items": "oops"})
        raise AssertionError(f"unknown fault {fault}")

    def _authorised(self, request: Request) -> bool:
        return self.token is None or request.headers.get("authorization") == f"Bearer {self.token}"

    def _arrived(self, request: Request) -> Seen:
        seen = Seen(time.monotonic(), request.url.path, dict(request.query_params), dict(request.headers))
        self.seen.append(seen)
        return seen

    def _conditional(self, request: Request, body: bytes, modified: datetime | None) -> Response:
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag}
        if modified is not None:
            headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        since = request.headers.get("if-modified-since")
        if (
            since
            and "if-none-match" not in request.headers
            and modified is not None
            and modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        ):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    async def jobs_page(self, request: Request) -> Response:
        seen = self._arrived(request)
        response = await self._jobs_page(request)
        seen.status = response.status_code
        return response

    async def _jobs_page(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        page = int(request.query_params.get("page", "1"))
        size = int(request.query_params.get("size", "10"))
        failed = await self._fault(str(page))
        if failed is not None:
            return failed
        served = self.twice.get(page, page)
        items = self.jobs[(served - 1) * size : served * size]
        body = json.dumps({"data": {"items": items, "total": len(self.jobs)}}, ensure_ascii=False).encode()
        times = [datetime.fromisoformat(item["updated"]) for item in items if "updated" in item]
        response = self._conditional(request, body, max(times) if times else None)
        if response.status_code == 200 and str(page) in self.after_page:
            self.after_page.pop(str(page))()
        return response

    async def feed_page(self, request: Request) -> Response:
        seen = self._arrived(request)
        response = await self._feed_page(request)
        seen.status = response.status_code
        return response

    async def _feed_page(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"error": {"code": "UNAUTHENTICATED"}}, status_code=401)
        since = request.query_params.get("since", "")
        limit = int(request.query_params.get("limit", "100"))
        failed = await self._fault(since)
        if failed is not None:
            return failed
        start = int(since) if since else 0
        items = self.feed[start : start + limit]
        body = json.dumps({"items": items, "next": str(start + len(items))}, ensure_ascii=False).encode()
        return self._conditional(request, body, None)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/jobs", self.jobs_page),
                Route("/v1/feeds/postings", self.feed_page),
                Route("/v1/feeds/seekers", self.feed_page),
            ]
        )


@contextmanager
def serving(platform: Platform) -> Iterator[Platform]:
    port = free_port()
    config = uvicorn.Config(
        platform.app(), host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the fake platform did not start")
        time.sleep(0.02)
    platform.url = f"http://127.0.0.1:{port}"
    try:
        yield platform
    finally:
        for event in platform.hold.values():
            event.set()
        server.should_exit = True
        thread.join(timeout=10)


def job(number: int, *, updated: str = "2026-03-01T09:00:00+08:00", **extra: Any) -> dict[str, Any]:
    """A posting as the fake platform words it (its own field names, mapped by the sources file)."""
    item: dict[str, Any] = {
        "jobId": f"J{number:04d}",
        "name": f"普工{number}号岗",
        "company": {"name": f"郑州某电子厂{number}"},
        "city": "河南省郑州市金水区",
        "pay": "5000-8000元/月",
        "detail": {"text": "电子元件组装，包吃住。"},
        "updated": updated,
    }
    item.update(extra)
    return item
