"""What the search endpoints answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.domain.inputs import JobType, Programme
from shared.web.posting_views import PostingSummary

SortOrder = Literal["relevance", "newest", "salary"]


class SearchQuery(BaseModel):
    """The search's query parameters, validated in one step (one model rather than a dozen parameters:
    FastAPI's per-parameter handling was a fifth of a search's time in the profile)."""

    q: Annotated[str | None, Field(max_length=200, description="关键词，如 电工、叉车司机 包吃住")] = None
    region: Annotated[
        str | None,
        Field(
            pattern=r"^[0-9０-９]{6}$",
            description="GB/T 2260 code (full-width digits too); a province or city includes all below it",
        ),
    ] = None
    salary_min: Annotated[
        int | None,
        Field(
            ge=0,
            le=1_000_000,
            description="CNY per month: posts whose pay range reaches this (面议 posts are left out)",
        ),
    ] = None
    education: Annotated[
        str | None, Field(max_length=20, description="the seeker's level: posts asking for it or less")
    ] = None
    job_type: JobType | None = None
    programme: Programme | None = None
    posted_within_days: Annotated[int | None, Field(ge=1, le=3650)] = None
    sort: SortOrder = "relevance"
    page: Annotated[int, Field(ge=1, le=1000)] = 1
    size: Annotated[int, Field(ge=1, le=100)] = 10
    facets: Annotated[
        str,
        Field(
            max_length=200,
            description="comma-separated: region,job_type,education,salary; `none` for none "
            "(an empty value means not given, so all four)",
        ),
    ] = "region,job_type,education,salary"


class PostingHit(PostingSummary):
    score: float = Field(description="text relevance; 0 when sorted by a field")
    highlights: dict[str, str] = Field(
        description="field (title, description) → a stretch of it with the query's words in <em>"
    )


class FacetBucket(BaseModel):
    key: str
    count: int
    name: str | None = Field(default=None, description="the region's name, for region buckets")


class SearchResponse(BaseModel):
    total: int
    page: int
    size: int
    hits: list[PostingHit]
    facets: dict[str, list[FacetBucket]] = Field(
        description="facet name (region, job_type, education, salary) → buckets; region buckets are cities"
    )
