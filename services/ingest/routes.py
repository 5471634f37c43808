"""Ingest API: batches of postings and seekers, and deletions (API.md "Ingest")."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from services.ingest.batch import TOPICS, Kind, ingest_batch
from services.ingest.formats.json_batch import parse_batch
from services.ingest.models import BatchResponse, DeleteResponse
from shared.domain.normalise import now_utc
from shared.errors import BadRequest, NotFound
from shared.ports.event_log import EventLog
from shared.ports.search_index import SearchIndex
from shared.web.deps import EventLogDep, PostingsIndexDep, SeekersIndexDep, SettingsDep
from shared.web.json_body import body_format
from shared.web.responses import BODY_ERRORS, COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1", tags=["ingest"], responses=COMMON_ERRORS)

_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string", "description": "one JSON object per line"}},
        },
    }
}
_BATCH_ERRORS = {**BODY_ERRORS, **error_responses(400)}


async def _receive(kind: Kind, request: Request, settings: SettingsDep, event_log: EventLog) -> BatchResponse:
    fmt = body_format(request, ndjson=True)
    items = parse_batch(await request.body(), fmt)
    if len(items) > settings.max_batch_records:
        raise BadRequest(
            f"一批最多 {settings.max_batch_records} 条记录，收到 {len(items)} 条",
            code="BATCH_TOO_LARGE",
        )
    # Publishing blocks (SQLite fsync, Kafka acks=all): keep it off the event loop.
    return await run_in_threadpool(ingest_batch, kind, items, event_log=event_log, received_at=now_utc())


def _add_batch_route(kind: Kind, summary: str) -> None:
    async def receive(request: Request, settings: SettingsDep, event_log: EventLogDep) -> BatchResponse:
        return await _receive(kind, request, settings, event_log)

    router.post(
        f"/{kind}",
        summary=summary,
        name=f"post_{kind}",
        openapi_extra=_BATCH_BODY,
        responses=_BATCH_ERRORS,
        response_model_exclude_none=True,
    )(receive)


_add_batch_route("postings", "Submit a batch of job postings")
_add_batch_route("seekers", "Submit a batch of seeker profiles")


def _delete(
    kind: Kind, record_id: str, *, index: SearchIndex, event_log: EventLog, not_found: str
) -> DeleteResponse:
    if ":" not in record_id:
        raise BadRequest("id 应为 source:source_id", code="BAD_ID")
    # Only what was indexed can be deleted: an unknown id is 404, not a tombstone for nothing.
    if index.get(record_id) is None:
        raise NotFound(f"{record_id} 不存在", code=not_found)
    event_log.publish(TOPICS[kind], [(record_id, None)])
    return DeleteResponse(id=record_id, status="deleted")


@router.delete(
    "/postings/{record_id}", status_code=202, summary="Delete a posting", responses=error_responses(400, 404)
)
def delete_posting(record_id: str, postings: PostingsIndexDep, event_log: EventLogDep) -> DeleteResponse:
    return _delete("postings", record_id, index=postings, event_log=event_log, not_found="POSTING_NOT_FOUND")


@router.delete(
    "/seekers/{record_id}",
    status_code=202,
    summary="Delete a seeker profile",
    responses=error_responses(400, 404),
)
def delete_seeker(record_id: str, seekers: SeekersIndexDep, event_log: EventLogDep) -> DeleteResponse:
    return _delete("seekers", record_id, index=seekers, event_log=event_log, not_found="SEEKER_NOT_FOUND")
