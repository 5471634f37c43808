"""Ingest API: batches of postings and seekers, and deletions (API.md "Ingest")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from services.ingest.batch import TOPICS, Kind, ingest_batch
from shared.domain.normalise import now_utc
from shared.errors import BadRequest
from shared.runtime import Runtime, get_runtime
from shared.web.http import parse_batch, read_limited_body

router = APIRouter(prefix="/v1", tags=["ingest"])
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

_BATCH_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


async def _receive(kind: Kind, request: Request, runtime: Runtime) -> dict[str, Any]:
    settings = runtime.settings
    body = await read_limited_body(request, settings.max_body_bytes)
    items = parse_batch(body, request.headers.get("content-type", "application/json"))
    if len(items) > settings.max_batch_records:
        raise BadRequest(
            f"一批最多 {settings.max_batch_records} 条记录，收到 {len(items)} 条",
            code="BATCH_TOO_LARGE",
        )
    assert runtime.event_log is not None
    # Publishing blocks (SQLite fsync, Kafka acks=all): keep it off the event loop.
    return await run_in_threadpool(
        ingest_batch, kind, items, event_log=runtime.event_log, received_at=now_utc()
    )


@router.post("/postings", openapi_extra=_BATCH_DOC, summary="Submit a batch of job postings")
async def post_postings(request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    return await _receive("postings", request, runtime)


@router.post("/seekers", openapi_extra=_BATCH_DOC, summary="Submit a batch of seeker profiles")
async def post_seekers(request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    return await _receive("seekers", request, runtime)


def _delete(kind: Kind, record_id: str, runtime: Runtime) -> dict[str, Any]:
    if ":" not in record_id:
        raise BadRequest("id 应为 source:source_id", code="BAD_ID")
    assert runtime.event_log is not None
    runtime.event_log.publish(TOPICS[kind], [(record_id, None)])
    return {"id": record_id, "status": "deleted"}


@router.delete("/postings/{record_id}", status_code=202, summary="Delete a posting")
def delete_posting(record_id: str, runtime: RuntimeDep) -> dict[str, Any]:
    return _delete("postings", record_id, runtime)


@router.delete("/seekers/{record_id}", status_code=202, summary="Delete a seeker profile")
def delete_seeker(record_id: str, runtime: RuntimeDep) -> dict[str, Any]:
    return _delete("seekers", record_id, runtime)
