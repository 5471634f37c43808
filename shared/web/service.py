"""One declaration per service: its routes, the backends it needs, its background workers.

The app factory, the embedded shape, the CLI and the deployment-manifest
tests all read these declarations, so what a service needs is said once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import APIRouter

from shared.adapters.backends import Backend, Backends


class Worker(Protocol):
    """Background work a service runs beside its routes (the search service's indexing consumer)."""

    def start(self) -> None: ...

    def stop(self) -> None:
        """Finish what is in hand and return: called when the service stops (SIGTERM)."""
        ...

    def healthy(self) -> bool:
        """What /readyz reports for it."""
        ...


@dataclass(frozen=True)
class WorkerSpec:
    name: str
    """Its check in /readyz."""
    create: Callable[[Backends], Worker]


@dataclass(frozen=True)
class CachedRoute:
    """A GET route whose answer depends only on its query string and one index (and the clock, briefly)."""

    path: str
    reads: Backend


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    title: str
    routers: tuple[APIRouter, ...]
    needs: frozenset[Backend]
    workers: tuple[WorkerSpec, ...] = ()
    on_start: tuple[Callable[[Backends], None], ...] = field(default=())
    """Run once after the workers start (the embedded shape loads its demo data here)."""
    cached_routes: tuple[CachedRoute, ...] = ()
    """Answers kept by the response cache (``shared.web.response_cache``)."""
    streamed_bodies: tuple[str, ...] = ()
    """Paths whose route reads its body as a stream and limits it itself (a file upload spooled to disk):
    the body-size middleware does not buffer them."""


def combined(
    name: str,
    title: str,
    services: Sequence[ServiceSpec],
    *,
    on_start: tuple[Callable[[Backends], None], ...] = (),
) -> ServiceSpec:
    """Several services in one process, sharing its backends (the embedded shape)."""
    return ServiceSpec(
        name=name,
        title=title,
        routers=tuple(router for service in services for router in service.routers),
        needs=frozenset().union(*(service.needs for service in services)),
        workers=tuple(worker for service in services for worker in service.workers),
        on_start=tuple(hook for service in services for hook in service.on_start) + on_start,
        cached_routes=tuple(route for service in services for route in service.cached_routes),
        streamed_bodies=tuple(path for service in services for path in service.streamed_bodies),
    )
