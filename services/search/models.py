"""What the search endpoints answer."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from shared.domain.inputs import JobType, Programme
from shared.ports.audit_log import AuditEntry
from shared.web.posting_views import PostingSummary
from shared.web.seeker_views import SeekerView

SortOrder = Literal["relevance", "newest", "salary"]
REGION_PARAMETER = r"^[0-9０-９]{6}$"
"""A GB/T 2260 code as a query parameter: full-width digits too (what a Chinese input method types)."""


class SearchQuery(BaseModel):
    """The search's query parameters, validated in one step (one model rather than a dozen parameters:
    FastAPI's per-parameter handling was a fifth of a search's time in the profile)."""

    q: Annotated[str | None, Field(description="关键词，如 电工、叉车司机 包吃住")] = None
    region: Annotated[
        str | None,
        Field(
            pattern=REGION_PARAMETER,
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
    # Their upper bounds are settings with codes of their own (shared/web/limits.py), not validation.
    page: Annotated[int, Field(ge=1)] = 1
    size: Annotated[int, Field(ge=1)] = 10
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


class SeekerSearchQuery(BaseModel):
    """Staff looking for people: words over desired jobs, skills, certificates and work history."""

    q: Annotated[str | None, Field(description="关键词，如 电工 焊工证")] = None
    region: Annotated[
        str | None,
        Field(
            pattern=REGION_PARAMETER,
            description="where they live: a province or city includes all below it",
        ),
    ] = None
    education: Annotated[
        str | None, Field(max_length=20, description="at least this level (大专: 大专, 本科 and above)")
    ] = None
    groups: Annotated[
        str | None,
        Field(
            max_length=300,
            description="comma-separated groups (college_graduate,rural_migrant…): any of them",
        ),
    ] = None
    page: Annotated[int, Field(ge=1)] = 1
    size: Annotated[int, Field(ge=1)] = 10


class SeekerSearchResponse(BaseModel):
    total: int
    page: int
    size: int
    hits: list[SeekerView]


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def _rfc3339(value: Any) -> Any:
    """A time as its document says (``format: date-time``, RFC 3339): with its offset, never a number.

    pydantic alone would also read ``-58800`` as seconds since 1970, and a time without an offset in the
    server's own zone."""
    if isinstance(value, datetime):
        return value
    text = value.strip().upper() if isinstance(value, str) else None
    if text is None or not _RFC3339.fullmatch(text):
        raise PydanticCustomError("datetime_parsing", "not an RFC 3339 time")
    return text


AuditTime = Annotated[
    datetime,
    BeforeValidator(_rfc3339),
    Field(description="RFC 3339, with its offset: 2026-11-20T09:00:00+08:00"),
]


class AuditQuery(BaseModel):
    subject: Annotated[str | None, Field(max_length=300, description="a seeker's id")] = None
    key_id: Annotated[str | None, Field(max_length=64)] = None
    since: AuditTime | None = None
    until: AuditTime | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class AuditResponse(BaseModel):
    entries: list[AuditEntry] = Field(description="newest first")
