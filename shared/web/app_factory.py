"""Build a service's FastAPI app from its declaration: routes, shared plumbing, lifespan, workers.

Backends open in the lifespan and close after it; nothing connects at import
time. A caller that already holds ``Backends`` (the embedded shape's tests)
passes them in and keeps ownership.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from shared.adapters.backends import Backend, Backends
from shared.adapters.writer_lock import WriterLock, held_by_another_process
from shared.settings import Settings, get_settings
from shared.web.access import AccessControl, AccessMiddleware, document_access
from shared.web.errors import install_error_handlers
from shared.web.health import health_router
from shared.web.json_body import documented_body_schemas
from shared.web.limits import document_limits
from shared.web.middleware import BodyLimitMiddleware, EmptyQueryParametersMiddleware, MetricsMiddleware
from shared.web.response_cache import Generation, ResponseCacheMiddleware
from shared.web.responses import ChineseJSONResponse
from shared.web.service import ServiceSpec, Worker

log = logging.getLogger(__name__)


def create_app(
    service: ServiceSpec, *, settings: Settings | None = None, backends: Backends | None = None
) -> FastAPI:
    settings = backends.settings if backends is not None else (settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Of several processes over one embedded data directory, one writes its indexes and runs the
        # workers; the others serve requests from read-only indexes (shared.adapters.writer_lock).
        shares_data_dir = backends is None and _writes_local_index(service, settings)
        lock = WriterLock.try_take(settings.data_dir) if shares_data_dir else None
        writer = not shares_data_dir or lock is not None
        app.state.writes_indexes = writer
        workers: dict[str, Worker] = {}
        app.state.workers = workers
        try:
            active = backends or Backends.open(settings, service.needs, read_only=not writer)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        app.state.backends = active
        try:
            if writer:
                for spec in service.workers:
                    workers[spec.name] = spec.create(active)
                    workers[spec.name].start()
                for hook in service.on_start:
                    hook(active)
            # What is alive now (modules, the region table, the segmenter, the backends) lives as long as
            # the process. Left in the collector's oldest generation it was scanned on every full
            # collection: up to 74 ms a pass in a match's profile, the whole of its p95. Frozen, it is not.
            gc.collect()
            gc.freeze()
            log.info(
                "%s started (index=%s, event log=%s%s)",
                service.title,
                settings.index_backend,
                settings.eventlog_backend,
                "" if writer else "; a reader: another process writes the indexes",
            )
            yield
        finally:
            gc.unfreeze()  # collectable again once the service stops (tests start many apps in one process)
            for worker in workers.values():
                worker.stop()
            if backends is None:
                active.close()
            if lock is not None:
                lock.release()
            log.info("%s stopped", service.title)

    app = FastAPI(
        title=service.title,
        version="1.0.0",
        lifespan=lifespan,
        default_response_class=ChineseJSONResponse,
        # /v1/postings/ is not /v1/postings: a 307 to another address (built from the Host header) would
        # send a DELETE of "id%2F" to the record "id". An unknown path is a 404 in the API's error shape.
        redirect_slashes=False,
    )
    install_error_handlers(app)
    access = AccessControl.from_settings(settings)
    app.state.access = access
    # Added last is outermost: metrics see every answer, the body limit's 413s and cached answers included.
    # Access is checked before the cache and the body limit: without a valid key nothing else runs.
    app.add_middleware(
        BodyLimitMiddleware, limit=settings.max_body_bytes, streamed=frozenset(service.streamed_bodies)
    )
    if service.cached_routes and settings.response_cache_entries:
        app.add_middleware(
            ResponseCacheMiddleware,
            routes={route.path: _generation_of(route.reads) for route in service.cached_routes},
            max_entries=settings.response_cache_entries,
            ttl_s=settings.response_cache_ttl_s,
        )
    app.add_middleware(AccessMiddleware, access=access)
    app.add_middleware(EmptyQueryParametersMiddleware)
    app.add_middleware(MetricsMiddleware, access_log=settings.access_log)

    def ready(request: Request) -> dict[str, bool]:
        checks = request.app.state.backends.ready_checks()
        for name, worker in request.app.state.workers.items():
            checks[name] = worker.healthy()
        if not request.app.state.writes_indexes:
            # A reader is only as current as the process that indexes for it.
            checks["index_writer"] = held_by_another_process(settings.data_dir)
        return checks

    app.include_router(health_router(ready, open_mode=settings.open_mode))
    for router in service.routers:
        app.include_router(router)
    _document(app, service, settings)
    return app


def _writes_local_index(service: ServiceSpec, settings: Settings) -> bool:
    indexes = {Backend.POSTINGS_INDEX, Backend.SEEKERS_INDEX}
    return settings.index_backend == "tantivy" and bool(service.needs & indexes)


def _generation_of(index: Backend) -> Generation:
    def generation(scope: Any) -> Any:
        return scope["app"].state.backends.index(index).generation()

    return generation


def api_routes(service: ServiceSpec) -> list[APIRoute]:
    """The service's API routes, each with its full path (the app's own list nests included routers)."""
    return [route for router in service.routers for route in router.routes if isinstance(route, APIRoute)]


def _document(app: FastAPI, service: ServiceSpec, settings: Settings) -> None:
    """Add to the document what FastAPI cannot see: the schemas of bodies the routes read themselves
    (``shared.web.json_body``), each operation's access (``shared.web.access``), the input limits in
    force (``shared.web.limits``) and that an optional query parameter may be sent empty."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        document.setdefault("components", {}).setdefault("schemas", {}).update(documented_body_schemas())
        routes = api_routes(service)
        document_access(document, routes, open_mode=settings.open_mode)
        document_limits(document, settings)
        document_empty_values(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def document_empty_values(document: dict[str, Any]) -> None:
    """``allowEmptyValue`` on every optional query parameter: ``?region=&q=电工`` is accepted by design
    (``EmptyQueryParametersMiddleware`` drops an empty parameter before routing: not given)."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
