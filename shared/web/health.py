"""Operations endpoints every service serves: /healthz, /readyz, /metrics."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from pydantic import BaseModel, Field


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, bool] = Field(description="each backend and worker → whether it is usable now")
    open_mode: bool = Field(
        default=False, description="true: requests without an API key get kiosk rights (JOBMATCH_OPEN_MODE)"
    )
    warnings: list[str] = Field(default_factory=list)


OPEN_MODE_WARNING = "open mode: requests without an API key get kiosk rights (JOBMATCH_OPEN_MODE)"


def health_router(
    ready_checks: Callable[[Request], dict[str, bool]], *, open_mode: bool = False
) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is alive")
    def healthz() -> Health:
        return Health(status="ok")

    @router.get(
        "/readyz",
        summary="Backends and workers are usable",
        responses={503: {"model": Readiness, "description": "not ready; checks say what is not"}},
    )
    def readyz(request: Request, response: Response) -> Readiness:
        checks = ready_checks(request)
        ready = all(checks.values())
        # A 503 with the same body: the probe reads the status, a person reads the checks.
        response.status_code = 200 if ready else 503
        return Readiness(
            status="ready" if ready else "unavailable",
            checks=checks,
            open_mode=open_mode,
            warnings=[OPEN_MODE_WARNING] if open_mode else [],
        )

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}}},
    )
    def metrics() -> Response:
        registry = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Several worker processes (the setting ``workers``): the sum of what each has counted.
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
