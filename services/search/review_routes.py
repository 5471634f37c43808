"""Review of flagged postings (README "Review flags"): the queue for staff and their decisions.

A decision is kept in the state store, audited, and applied by re-indexing: the posting's stored record
is published again at its version, and the indexer, which reads the decisions of every flagged posting
it writes, takes an upheld one out of the searchable set (``shared.index.documents.WITHHELD``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from services.search.review_models import (
    DecisionIn,
    DecisionView,
    FlaggedPosting,
    ReviewFlagsQuery,
    ReviewFlagsResponse,
)
from shared.domain.problems import shown
from shared.domain.records import PostingRecord
from shared.domain.review import REVIEW_DECISIONS, review_state
from shared.errors import BadRequest, NotFound
from shared.index.documents import stored_posting
from shared.index.fields import PostingField
from shared.index.posting_queries import known_region_code
from shared.ports.event_log import TOPIC_POSTINGS
from shared.ports.search_index import Filter, SearchRequest, SortBy, Terms
from shared.security.principal import Principal
from shared.security.roles import Permission
from shared.web.access import requires
from shared.web.audit import audit
from shared.web.deps import AuditLogDep, EventLogDep, PostingsIndexDep, SettingsDep, StateStoreDep
from shared.web.json_body import body_schema, validated_body
from shared.web.limits import check_page
from shared.web.posting_views import RegionView
from shared.web.responses import BODY_ERRORS, COMMON_ERRORS, PARAMETER_ERRORS, error_responses, written

router = APIRouter(prefix="/v1", tags=["review"], responses=COMMON_ERRORS)
Reviewer = Annotated[Principal, Depends(requires(Permission.REVIEW))]
REVIEW_STATES = ("pending", "upheld", "dismissed")


def audit_subject(posting_id: str) -> str:
    """A review's subject in the audit: never a seeker's id (no record id holds a "/")."""
    return f"posting/{posting_id}"


def flagged_view(record: PostingRecord, decided: dict[str, Any] | None) -> FlaggedPosting:
    location = record.location
    return FlaggedPosting(
        id=record.id,
        title=record.title,
        employer=record.employer.name,
        region=RegionView(
            region_code=location.region_code,
            province=location.province,
            city=location.city,
            district=location.district,
        ),
        source=record.source,
        status=record.status,
        updated_at=record.updated_at,
        flags=record.flags,
        review=review_state(record.flags, decided) or "pending",
        decision=DecisionView.model_validate(decided) if decided else None,
    )


@router.get(
    "/review/flags",
    summary="Flagged postings for staff review, with what was found and the decision that holds",
    response_model=ReviewFlagsResponse,
    responses={**error_responses(400), **PARAMETER_ERRORS},
)
def list_flagged(
    postings: PostingsIndexDep,
    state: StateStoreDep,
    settings: SettingsDep,
    _principal: Reviewer,
    query: Annotated[ReviewFlagsQuery, Query()],
) -> Response:
    check_page(query.page, query.size, settings)
    filters: list[Filter] = [
        Terms(PostingField.REVIEW, (query.decision,) if query.decision else REVIEW_STATES)
    ]
    if query.kind:
        filters.append(Terms(PostingField.FLAGS, (query.kind,)))
    if query.region:
        filters.append(Terms(PostingField.REVIEW_REGION_PATH, (known_region_code(query.region, "region"),)))
    if query.source:
        filters.append(Terms(PostingField.REVIEW_SOURCE, (query.source,)))
    request = SearchRequest(
        filters=tuple(filters),
        sort=SortBy(PostingField.REVIEW_UPDATED_AT, descending=True),
        offset=(query.page - 1) * query.size,
        limit=query.size,
    )
    result = postings.search(request)
    records = [stored_posting(hit.source) for hit in result.hits]
    decided = state.get_many(REVIEW_DECISIONS, [record.id for record in records]) if records else {}
    items = [
        flagged_view(record, decided[record.id].doc if record.id in decided else None) for record in records
    ]
    return written(ReviewFlagsResponse(total=result.total, page=query.page, size=query.size, items=items))


@router.post(
    "/review/flags/{posting_id}/decision",
    summary="Uphold (hide from kiosks, matching and feeds) or dismiss a posting's flags; recorded and audited",
    response_model=FlaggedPosting,
    openapi_extra=body_schema(DecisionIn),
    responses={**BODY_ERRORS, **error_responses(400, 404)},
)
def decide(
    posting_id: str,
    body: Annotated[DecisionIn, Depends(validated_body(DecisionIn))],
    postings: PostingsIndexDep,
    state: StateStoreDep,
    audit_log: AuditLogDep,
    event_log: EventLogDep,
    principal: Reviewer,
) -> FlaggedPosting:
    source = postings.get(posting_id)
    if source is None:
        raise NotFound(f"岗位 {shown(posting_id)} 不存在", code="POSTING_NOT_FOUND")
    record = stored_posting(source)
    if not record.flags:
        raise BadRequest(f"岗位 {shown(posting_id)} 没有待审核的标记", code="POSTING_NOT_FLAGGED")
    kinds = [flag.kind for flag in record.flags]
    decided: dict[str, Any] = {
        "decision": body.decision,
        "kinds": kinds,
        "flags": [flag.model_dump(mode="json") for flag in record.flags],
        "version": record.version,
        "key_id": principal.key_id,
        "role": str(principal.role),
        "at": datetime.now(UTC).isoformat(),
        "note": body.note,
    }
    # Audited before it takes effect: a decision that cannot be audited is not made (503).
    fields = [f"decision:{body.decision}", *(f"flag:{kind}" for kind in kinds)]
    audit(
        audit_log,
        principal,
        action="review",
        purpose="review_flags",
        disclosed=[(audit_subject(record.id), fields)],
    )
    state.put(
        REVIEW_DECISIONS, record.id, decided, labels={"decision": body.decision, "source": record.source}
    )
    # The indexer reads the decision when it writes the posting: published again at its version, it is
    # re-indexed withheld (upheld) or back in the searchable set (dismissed).
    event_log.publish(TOPIC_POSTINGS, [(record.id, record.model_dump(mode="json"))])
    return flagged_view(record, decided)
