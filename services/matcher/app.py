"""Matcher service: ranks postings for a profile with explained scores."""

from __future__ import annotations

from fastapi import FastAPI

from services.matcher.routes import router
from shared.runtime import Runtime
from shared.settings import Settings
from shared.web.app_factory import build_app


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    return build_app(
        title="jobmatch matcher",
        routers=[router],
        settings=settings,
        runtime=runtime,
        needs_event_log=False,
        needs_indexes=True,
    )
