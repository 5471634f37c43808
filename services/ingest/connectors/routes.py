"""Sources API: each configured platform's state, and a run on request (API.md "Ingest")."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.ingest.connectors.models import SourcesResponse, SourceView, source_view
from services.ingest.connectors.scheduler import Connectors, SourceBusy, SourceScheduler
from shared.domain.problems import shown
from shared.errors import Conflict, NotFound
from shared.security.principal import Principal
from shared.security.roles import Permission
from shared.web.access import requires
from shared.web.deps import BackendsDep
from shared.web.responses import COMMON_ERRORS, PARAMETER_ERRORS, error_responses

router = APIRouter(prefix="/v1", tags=["ingest"], responses=COMMON_ERRORS)

ImportingKey = Annotated[Principal, Depends(requires(Permission.IMPORTS))]
WORKER_NAME = "sources"
_made_here = threading.Lock()


def get_connectors(request: Request, backends: BackendsDep) -> Connectors:
    """The scheduler's, where this process runs it; else (a reader process of the embedded shape) this
    process's own, without a scheduler: a sync asked of it runs here, under the source's lease."""
    worker = request.app.state.workers.get(WORKER_NAME)
    if isinstance(worker, SourceScheduler):
        return worker.connectors
    with _made_here:
        connectors: Connectors | None = getattr(request.app.state, "connectors", None)
        if connectors is None:
            connectors = request.app.state.connectors = Connectors.from_settings(backends)
    return connectors


ConnectorsDep = Annotated[Connectors, Depends(get_connectors)]


@router.get("/sources", summary="The configured pull sources: last run, cursor, counts, last error")
def list_sources(connectors: ConnectorsDep, _: ImportingKey) -> SourcesResponse:
    checkpoints = connectors.checkpoints()
    busy = connectors.busy()
    return SourcesResponse(
        sources=[
            source_view(source, checkpoints[name], running=name in busy)
            for name, source in connectors.sources.items()
        ]
    )


@router.post(
    "/sources/{name}/sync",
    status_code=202,
    summary="Pull from a source now",
    description="Starts a run in the background and answers at once with the source's state; "
    "GET /v1/sources shows its progress.",
    responses={**error_responses(404, 409), **PARAMETER_ERRORS},
)
def sync_source(name: str, connectors: ConnectorsDep, _: ImportingKey) -> SourceView:
    source = connectors.sources.get(name)
    if source is None:
        raise NotFound(f"没有名为 {shown(name)} 的来源", code="SOURCE_NOT_FOUND")
    try:
        checkpoint = connectors.start(name, "request")
    except SourceBusy:
        raise Conflict(f"来源 {name} 正在同步，请等这一轮结束", code="SYNC_ALREADY_RUNNING") from None
    return source_view(source, checkpoint, running=True)
