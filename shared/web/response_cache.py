"""Whole answers of the kiosk's common searches, kept until the index changes or a few seconds pass.

Kiosk traffic is a few hundred distinct searches, the most common asked
over and over (the benchmark draws them Zipf-like). A search's answer is a
function of its path, its query string and the index's contents, plus the
clock (expired postings drop out): so an answer is reused only while the
index's generation is the one it was computed at, and for at most
``ttl_s`` seconds. A hit is answered here, before routing, parameter
validation and the query: the stored bytes of a 200 the route gave for the
same request.

Only GET routes a service declares cacheable, and only answers with status
200, are kept. A request with ``Cache-Control: no-cache`` is answered by the
route (and its answer stored): the benchmark measures with the cache on and
off that way. Every answer of a cacheable route says ``X-Cache: hit`` or
``miss``; /metrics counts both.

Pure ASGI, on the event loop only, so the mapping needs no lock. Access
control (``shared.web.access``) runs before it, and the caller's role is part
of the key: an answer is only ever reused for a key of the role it was
computed for (a role the route refuses never gets a 200 to keep).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from cachetools import TTLCache
from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHE_LOOKUPS = Counter(
    "jobmatch_response_cache_total", "Lookups in the response cache of cacheable routes", ["route", "result"]
)

Generation = Callable[[Scope], Hashable | None]
"""The current generation of what a route reads; None means the backend cannot tell, so nothing is kept."""


@dataclass(frozen=True)
class _Answer:
    generation: Hashable
    start: Message
    body: bytes
    route: object
    """The route that answered: the metrics middleware labels a hit with it."""


class ResponseCacheMiddleware:
    def __init__(
        self, app: ASGIApp, *, routes: dict[str, Generation], max_entries: int, ttl_s: float
    ) -> None:
        self.app = app
        self.routes = routes
        self.answers: TTLCache[tuple[str, str, bytes], _Answer] = TTLCache(
            maxsize=max_entries, ttl=ttl_s, timer=time.monotonic
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in self.routes:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        try:
            generation = self.routes[path](scope)
        except Exception:  # noqa: BLE001 - the cache must never cause a 500: the route answers, in the API's error shape
            generation = None
        if generation is None:
            await self.app(scope, receive, send)
            return
        # The order of different parameters does not change the answer; a repeated one is read by its last
        # value, so repeats keep their order (a stable sort by name only).
        principal = scope.get("state", {}).get("principal")
        role = str(principal.role) if principal is not None else ""
        pairs = sorted(scope["query_string"].split(b"&"), key=lambda pair: pair.partition(b"=")[0])
        key = (role, path, b"&".join(pairs))
        if not _no_cache(scope):
            found = self.answers.get(key)
            if found is not None and found.generation == generation:
                CACHE_LOOKUPS.labels(path, "hit").inc()
                scope["route"] = found.route
                await send(_with_cache_header(found.start, b"hit"))
                await send({"type": "http.response.body", "body": found.body})
                return
        CACHE_LOOKUPS.labels(path, "miss").inc()
        await self._answer_and_keep(scope, receive, send, key, generation)

    async def _answer_and_keep(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[str, str, bytes], generation: Hashable
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                message = _with_cache_header(message, b"miss")
            elif message["type"] == "http.response.body" and start is not None and start["status"] == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self.answers[key] = _Answer(generation, start, b"".join(chunks), scope.get("route"))
            await send(message)

        await self.app(scope, receive, keep)


def _no_cache(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"cache-control" and b"no-cache" in value.lower():
            return True
    return False


def _with_cache_header(start: Message, result: bytes) -> Message:
    return {**start, "headers": [*start.get("headers", []), (b"x-cache", result)]}
