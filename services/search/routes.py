"""Search API (API.md "Search"): postings for everyone with a key, seekers and the audit for staff."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.search.dedup import duplicates_of
from services.search.models import (
    AuditQuery,
    AuditResponse,
    SearchQuery,
    SearchResponse,
    SeekerSearchQuery,
    SeekerSearchResponse,
)
from services.search.query import PostingSearch, facet_buckets, posting_hit
from services.search.relaxation import search_postings as run_posting_search
from services.search.seeker_query import build_seeker_request
from shared.domain.problems import shown
from shared.errors import NotFound
from shared.index.documents import duplicate_link, posting_hidden, stored_posting, stored_seeker
from shared.security.principal import Principal
from shared.security.roles import Permission
from shared.web.access import requires
from shared.web.audit import audit
from shared.web.deps import AuditLogDep, PostingsIndexDep, SeekersIndexDep, SettingsDep
from shared.web.limits import check_page, checked_query
from shared.web.posting_views import PostingPublic, posting_public
from shared.web.responses import COMMON_ERRORS, PARAMETER_ERRORS, error_responses, written
from shared.web.seeker_views import SeekerView, seeker_view

router = APIRouter(prefix="/v1", tags=["search"], responses=COMMON_ERRORS)

PublicReader = Depends(requires(Permission.PUBLIC_READ))
SeekerReader = Annotated[Principal, Depends(requires(Permission.SEEKER_READ))]
AuditReader = Depends(requires(Permission.AUDIT_READ))


@router.get(
    "/postings/search",
    summary="Search open job postings",
    response_model=SearchResponse,
    responses={**error_responses(400), **PARAMETER_ERRORS},
    dependencies=[PublicReader],
)
def search_postings(
    postings: PostingsIndexDep, settings: SettingsDep, query: Annotated[SearchQuery, Query()]
) -> Response:
    checked_query(query.q, settings)
    check_page(query.page, query.size, settings)
    facets = query.facets.strip()
    params = PostingSearch(
        q=query.q,
        region=query.region,
        salary_min=query.salary_min,
        education=query.education,
        job_type=query.job_type,
        programme=query.programme,
        posted_within_days=query.posted_within_days,
        sort=query.sort,
        page=query.page,
        size=query.size,
        facets=() if facets == "none" else tuple(n.strip() for n in facets.split(",") if n.strip()),
    )
    found = run_posting_search(postings, params)
    answer = SearchResponse(
        total=found.result.total,
        page=query.page,
        size=query.size,
        hits=[posting_hit(stored_posting(hit.source), hit.score, found.tokens) for hit in found.result.hits],
        facets=facet_buckets(found.result.facets),
        understood=found.understood,
        relaxed=found.relaxed,
    )
    return written(answer)


@router.get(
    "/seekers/search",
    summary="Find seekers (staff): profiles masked as the key's role requires, each one audited",
    response_model=SeekerSearchResponse,
    responses={**error_responses(400), **PARAMETER_ERRORS},
)
def search_seekers(
    seekers: SeekersIndexDep,
    audit_log: AuditLogDep,
    settings: SettingsDep,
    principal: SeekerReader,
    query: Annotated[SeekerSearchQuery, Query()],
) -> Response:
    groups = checked_query(query.q, settings)
    check_page(query.page, query.size, settings)
    result = seekers.search(build_seeker_request(query, groups))
    views = [seeker_view(stored_seeker(hit.source), principal) for hit in result.hits]
    disclosed = [(view.id, fields) for view, fields in views]
    audit(audit_log, principal, action="search", purpose="seeker_search", disclosed=disclosed)
    answer = SeekerSearchResponse(
        total=result.total, page=query.page, size=query.size, hits=[view for view, _ in views]
    )
    return written(answer)


@router.get(
    "/seekers/{seeker_id}",
    summary="One seeker profile (staff), masked as the key's role requires; audited",
    responses={**error_responses(404), **PARAMETER_ERRORS},
)
def get_seeker(
    seeker_id: str, seekers: SeekersIndexDep, audit_log: AuditLogDep, principal: SeekerReader
) -> SeekerView:
    source = seekers.get(seeker_id)
    if source is None:
        raise NotFound(f"求职者 {shown(seeker_id)} 不存在", code="SEEKER_NOT_FOUND")
    view, fields = seeker_view(stored_seeker(source), principal)
    audit(audit_log, principal, action="read", purpose="seeker_profile", disclosed=[(view.id, fields)])
    return view


@router.get(
    "/postings/{posting_id}",
    summary="One posting, its public view",
    responses={**error_responses(404), **PARAMETER_ERRORS},
    dependencies=[PublicReader],
)
def get_posting(posting_id: str, postings: PostingsIndexDep) -> PostingPublic:
    source = postings.get(posting_id)
    if source is None or posting_hidden(source):
        # A posting whose review flags staff upheld is answered as one that is not there.
        raise NotFound(f"岗位 {shown(posting_id)} 不存在", code="POSTING_NOT_FOUND")
    link = duplicate_link(source)
    others = [] if link else duplicates_of(postings, posting_id, now=time.time())
    return posting_public(stored_posting(source), duplicates_of=link, duplicates=others)


@router.get(
    "/audit",
    summary="Who read which seeker profiles (staff), newest first",
    response_model=AuditResponse,
    responses=PARAMETER_ERRORS,
    dependencies=[AuditReader],
)
def list_audit(audit_log: AuditLogDep, query: Annotated[AuditQuery, Query()]) -> AuditResponse:
    entries = audit_log.entries(
        subject=query.subject, key_id=query.key_id, since=query.since, until=query.until, limit=query.limit
    )
    return AuditResponse(entries=entries)
