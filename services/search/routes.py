"""Search API (API.md "Search")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.search.models import SearchResponse
from services.search.query import PostingSearch, SortOrder, build_posting_request, facet_buckets, posting_hit
from shared.domain.inputs import JobType, Programme
from shared.errors import NotFound
from shared.index.documents import stored_posting
from shared.web.deps import PostingsIndexDep
from shared.web.posting_views import PostingPublic, posting_public
from shared.web.responses import COMMON_ERRORS, PARAMETER_ERRORS, error_responses

router = APIRouter(prefix="/v1", tags=["search"], responses=COMMON_ERRORS)


@router.get(
    "/postings/search",
    summary="Search open job postings",
    responses={**error_responses(400), **PARAMETER_ERRORS},
)
def search_postings(
    postings: PostingsIndexDep,
    q: Annotated[str | None, Query(max_length=200, description="关键词，如 电工、叉车司机 包吃住")] = None,
    region: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9０-９]{6}$",
            description="GB/T 2260 code (full-width digits too); a province or city includes all below it",
        ),
    ] = None,
    salary_min: Annotated[
        int | None,
        Query(
            ge=0,
            le=1_000_000,
            description="CNY per month: posts whose pay range reaches this (面议 posts are left out)",
        ),
    ] = None,
    education: Annotated[
        str | None, Query(max_length=20, description="the seeker's level: posts asking for it or less")
    ] = None,
    job_type: JobType | None = None,
    programme: Programme | None = None,
    posted_within_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
    sort: SortOrder = "relevance",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 10,
    facets: Annotated[
        str,
        Query(
            max_length=200,
            description="comma-separated: region,job_type,education,salary; `none` for none "
            "(an empty value means not given, so all four)",
        ),
    ] = "region,job_type,education,salary",
) -> SearchResponse:
    params = PostingSearch(
        q=q,
        region=region,
        salary_min=salary_min,
        education=education,
        job_type=job_type,
        programme=programme,
        posted_within_days=posted_within_days,
        sort=sort,
        page=page,
        size=size,
        facets=() if facets.strip() == "none" else tuple(n.strip() for n in facets.split(",") if n.strip()),
    )
    request, tokens = build_posting_request(params)
    result = postings.search(request)
    return SearchResponse(
        total=result.total,
        page=page,
        size=size,
        hits=[posting_hit(stored_posting(hit.source), hit.score, tokens) for hit in result.hits],
        facets=facet_buckets(result.facets),
    )


@router.get(
    "/postings/{posting_id}",
    summary="One posting, its public view",
    responses={**error_responses(404), **PARAMETER_ERRORS},
)
def get_posting(posting_id: str, postings: PostingsIndexDep) -> PostingPublic:
    source = postings.get(posting_id)
    if source is None:
        raise NotFound(f"岗位 {posting_id} 不存在", code="POSTING_NOT_FOUND")
    return posting_public(stored_posting(source))
