"""Search API (API.md "Search")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.search.models import SearchQuery, SearchResponse
from services.search.query import PostingSearch, build_posting_request, facet_buckets, posting_hit
from shared.errors import NotFound
from shared.index.documents import stored_posting
from shared.web.deps import PostingsIndexDep
from shared.web.posting_views import PostingPublic, posting_public
from shared.web.responses import COMMON_ERRORS, PARAMETER_ERRORS, error_responses, written

router = APIRouter(prefix="/v1", tags=["search"], responses=COMMON_ERRORS)


@router.get(
    "/postings/search",
    summary="Search open job postings",
    response_model=SearchResponse,
    responses={**error_responses(400), **PARAMETER_ERRORS},
)
def search_postings(postings: PostingsIndexDep, query: Annotated[SearchQuery, Query()]) -> Response:
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
    request, tokens = build_posting_request(params)
    result = postings.search(request)
    answer = SearchResponse(
        total=result.total,
        page=query.page,
        size=query.size,
        hits=[posting_hit(stored_posting(hit.source), hit.score, tokens) for hit in result.hits],
        facets=facet_buckets(result.facets),
    )
    return written(answer)


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
