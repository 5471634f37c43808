"""Ingest API: batches of postings and seekers, and deletions (API.md "Ingest")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from services.ingest.batch import Kind, ingest_batch, sources_outside, stamp_source
from services.ingest.deletions import publish_deletions
from services.ingest.formats.json_batch import parse_batch
from services.ingest.models import BatchResponse, DeleteResponse
from shared.domain.inputs import PostingIn, SeekerIn, is_record_id
from shared.domain.normalise import now_utc, version_of
from shared.domain.problems import shown
from shared.errors import BadRequest, Forbidden, NotFound
from shared.ports.audit_log import AuditLog
from shared.ports.event_log import EventLog
from shared.ports.search_index import SearchIndex
from shared.ports.state_store import StateStore
from shared.security.principal import Principal
from shared.security.roles import Permission
from shared.web.access import AccessControl, requires
from shared.web.audit import audit, erase_from_audit
from shared.web.deps import (
    AuditLogDep,
    EventLogDep,
    PostingsIndexDep,
    SeekersIndexDep,
    SettingsDep,
    StateStoreDep,
)
from shared.web.json_body import body_format, body_schema
from shared.web.responses import BODY_ERRORS, COMMON_ERRORS, PARAMETER_ERRORS, error_responses

router = APIRouter(prefix="/v1", tags=["ingest"], responses=COMMON_ERRORS)

_BATCH_ERRORS = {**BODY_ERRORS, **error_responses(400)}


PushingKey = Annotated[Principal, Depends(requires(Permission.PUSH))]
DeletingKey = Annotated[Principal, Depends(requires(Permission.DELETE))]


async def _receive(
    kind: Kind, request: Request, settings: SettingsDep, event_log: EventLog, principal: Principal
) -> BatchResponse:
    fmt = body_format(request, ndjson=True)
    items = parse_batch(await request.body(), fmt)
    if len(items) > settings.max_batch_records:
        raise BadRequest(
            f"一批最多 {settings.max_batch_records} 条记录，收到 {len(items)} 条",
            code="BATCH_TOO_LARGE",
            details=[{"limit": settings.max_batch_records}],
        )
    if len(principal.sources) == 1:
        stamp_source(items, next(iter(principal.sources)))
    outside = sources_outside(items, principal.covers_source)
    if outside:
        # Authorisation, not data quality: the batch is refused whole, nothing of it is published.
        raise Forbidden(
            f"此密钥只能提交来源 {', '.join(sorted(principal.sources))} 下的记录",
            details=[{"index": index, "source": source} for index, source in outside[:100]],
        )
    access: AccessControl = request.app.state.access
    # Publishing blocks (SQLite fsync, Kafka acks=all): keep it off the event loop.
    return await run_in_threadpool(
        ingest_batch,
        kind,
        items,
        event_log=event_log,
        received_at=now_utc(),
        id_number_hash=access.id_numbers.hexdigest,
    )


def _add_batch_route(kind: Kind, model: type[BaseModel], summary: str) -> None:
    async def receive(
        request: Request, settings: SettingsDep, event_log: EventLogDep, principal: PushingKey
    ) -> BatchResponse:
        return await _receive(kind, request, settings, event_log, principal)

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
    kind: Kind,
    record_id: str,
    *,
    index: SearchIndex,
    event_log: EventLog,
    state: StateStore,
    principal: Principal,
    not_found: str,
) -> bool:
    """Publishes the tombstone; whether the record was indexed (the caller answers 404 when not)."""
    if not is_record_id(record_id):
        # Nothing can have been stored under it, so no tombstone is written either.
        raise NotFound(f"{shown(record_id)} 不存在（id 应为 source:source_id）", code=not_found)
    if not principal.covers_source(record_id.partition(":")[0]):
        raise Forbidden(f"此密钥只能删除来源 {', '.join(sorted(principal.sources))} 下的记录")
    # The tombstone is written whether or not the record is indexed yet: a record accepted a moment ago
    # and still on its way to the index is erased too, so an erasure request is never lost.
    indexed = index.get(record_id) is not None
    publish_deletions(
        kind, [record_id], event_log=event_log, state=state, version_ms=version_of(None, now_utc())
    )
    return indexed


def _answer(record_id: str, indexed: bool, not_found: str) -> DeleteResponse:
    if not indexed:
        raise NotFound(f"{shown(record_id)} 不存在（若刚提交尚未索引，也已一并删除）", code=not_found)
    return DeleteResponse(id=record_id, status="deleted")


def _erase_from_audit(
    audit_log: AuditLog, access: AccessControl, seeker_id: str, principal: Principal
) -> None:
    """The audit keeps that the seeker was read and deleted, by whom and when, but not the seeker's id."""
    # Again once the indexer has applied the tombstone (services/search/consumer.py): a read in between
    # writes a record with the id, which that second pass erases.
    replacement = erase_from_audit(audit_log, access.subjects, seeker_id)
    audit(
        audit_log, principal, action="delete", purpose="erasure", disclosed=[(replacement, [])], erased=True
    )


@router.delete(
    "/postings/{posting_id}",
    status_code=202,
    summary="Delete a posting",
    responses={**error_responses(404), **PARAMETER_ERRORS},
)
def delete_posting(
    posting_id: str,
    postings: PostingsIndexDep,
    event_log: EventLogDep,
    state: StateStoreDep,
    principal: DeletingKey,
) -> DeleteResponse:
    indexed = _delete(
        "postings",
        posting_id,
        index=postings,
        event_log=event_log,
        state=state,
        principal=principal,
        not_found="POSTING_NOT_FOUND",
    )
    return _answer(posting_id, indexed, "POSTING_NOT_FOUND")


@router.delete(
    "/seekers/{seeker_id}",
    status_code=202,
    summary="Delete a seeker profile",
    responses={**error_responses(404), **PARAMETER_ERRORS},
)
def delete_seeker(
    seeker_id: str,
    request: Request,
    seekers: SeekersIndexDep,
    event_log: EventLogDep,
    audit_log: AuditLogDep,
    state: StateStoreDep,
    principal: DeletingKey,
) -> DeleteResponse:
    indexed = _delete(
        "seekers",
        seeker_id,
        index=seekers,
        event_log=event_log,
        state=state,
        principal=principal,
        not_found="SEEKER_NOT_FOUND",
    )
    _erase_from_audit(audit_log, request.app.state.access, seeker_id, principal)
    return _answer(seeker_id, indexed, "SEEKER_NOT_FOUND")
