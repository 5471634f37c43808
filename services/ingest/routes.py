"""Ingest API: batches of postings and seekers, and deletions (API.md "Ingest")."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from services.ingest.batch import TOPICS, Kind, ingest_batch
from services.ingest.formats.json_batch import parse_batch
from services.ingest.models import BatchResponse, DeleteResponse
from shared.domain.inputs import PostingIn, SeekerIn, is_record_id
from shared.domain.normalise import now_utc
from shared.domain.problems import shown
from shared.errors import BadRequest, NotFound
from shared.ports.event_log import EventLog
from shared.ports.search_index import SearchIndex
from shared.web.deps import EventLogDep, PostingsIndexDep, SeekersIndexDep, SettingsDep
from shared.web.json_body import body_format, body_schema
from shared.web.responses import BODY_ERRORS, COMMON_ERRORS, PARAMETER_ERRORS, error_responses

router = APIRouter(prefix="/v1", tags=["ingest"], responses=COMMON_ERRORS)

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


def _add_batch_route(kind: Kind, model: type[BaseModel], summary: str) -> None:
    async def receive(request: Request, settings: SettingsDep, event_log: EventLogDep) -> BatchResponse:
        return await _receive(kind, request, settings, event_log)

    router.post(
        f"/{kind}",
        summary=summary,
        name=f"post_{kind}",
        openapi_extra=body_schema(model, batch=True),
        responses=_BATCH_ERRORS,
        response_model_exclude_none=True,
    )(receive)


_add_batch_route("postings", PostingIn, "Submit a batch of job postings")
_add_batch_route("seekers", SeekerIn, "Submit a batch of seeker profiles")


def _delete(
    kind: Kind, record_id: str, *, index: SearchIndex, event_log: EventLog, not_found: str
) -> DeleteResponse:
    if not is_record_id(record_id):
        # Nothing can have been stored under it, so no tombstone is written either.
        raise NotFound(f"{shown(record_id)} 不存在（id 应为 source:source_id）", code=not_found)
    # The tombstone is written whether or not the record is indexed yet: a record accepted a moment ago
    # and still on its way to the index is erased too, so an erasure request is never lost.
    indexed = index.get(record_id) is not None
    event_log.publish(TOPICS[kind], [(record_id, None)])
    if not indexed:
        raise NotFound(f"{shown(record_id)} 不存在（若刚提交尚未索引，也已一并删除）", code=not_found)
    return DeleteResponse(id=record_id, status="deleted")


@router.delete(
    "/postings/{posting_id}",
    status_code=202,
    summary="Delete a posting",
    responses={**error_responses(404), **PARAMETER_ERRORS},
)
def delete_posting(posting_id: str, postings: PostingsIndexDep, event_log: EventLogDep) -> DeleteResponse:
    return _delete("postings", posting_id, index=postings, event_log=event_log, not_found="POSTING_NOT_FOUND")


@router.delete(
    "/seekers/{seeker_id}",
    status_code=202,
    summary="Delete a seeker profile",
    responses={**error_responses(404), **PARAMETER_ERRORS},
)
def delete_seeker(seeker_id: str, seekers: SeekersIndexDep, event_log: EventLogDep) -> DeleteResponse:
    return _delete("seekers", seeker_id, index=seekers, event_log=event_log, not_found="SEEKER_NOT_FOUND")
