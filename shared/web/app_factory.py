"""Build a service's FastAPI app: its routers, the shared error/metrics/health plumbing and its lifespan.

Clients open in the lifespan and close after it; nothing connects at import
time. A caller that already holds a Runtime (the embedded shape, tests)
passes it in and keeps ownership.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request

from shared.runtime import Runtime
from shared.settings import Settings, get_settings
from shared.web.http import ChineseJSONResponse, health_router, install_error_handlers, install_metrics

log = logging.getLogger(__name__)

Hook = Callable[[FastAPI, Runtime], None]


def build_app(
    *,
    title: str,
    routers: Sequence[APIRouter],
    settings: Settings | None,
    runtime: Runtime | None,
    needs_event_log: bool,
    needs_indexes: bool,
    on_start: Hook | None = None,
    on_stop: Hook | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = runtime is None
        active = runtime or Runtime.open(
            settings or get_settings(), event_log=needs_event_log, indexes=needs_indexes
        )
        app.state.runtime = active
        if on_start:
            on_start(app, active)
        log.info(
            "%s started (index=%s, event log=%s)",
            title,
            active.settings.index_backend,
            active.settings.eventlog_backend,
        )
        try:
            yield
        finally:
            if on_stop:
                on_stop(app, active)
            if own:
                active.close()
            log.info("%s stopped", title)

    app = FastAPI(title=title, version="1.0.0", lifespan=lifespan, default_response_class=ChineseJSONResponse)
    install_error_handlers(app)
    install_metrics(app)

    def ready(request: Request) -> dict[str, bool]:
        checks = request.app.state.runtime.ready_checks()
        # Services add checks of their own workers (the search consumer) in their start hook.
        for name, check in getattr(request.app.state, "extra_ready_checks", {}).items():
            checks[name] = check()
        return checks

    app.include_router(health_router(ready))
    for router in routers:
        app.include_router(router)
    return app
