"""What the search endpoints answer."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from shared.domain.education import EducationLevel
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

    q: Annotated[
        str | None,
        Field(
            description="关键词，如 电工、叉车司机 包吃住. A place (洛阳, 郑州市金水区), a pay phrase (月薪8000以上, 8k, "
            "日薪200), an education word (大专, 学历不限) and a job-type word (兼职, 日结) in it become filters where "
            "the matching parameter is not given; the answer's `understood` says how it was read"
        ),
    ] = None
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


class RegionRef(BaseModel):
    code: str = Field(description="GB/T 2260", examples=["410300"])
    name: str = Field(examples=["洛阳市"])


class Understood(BaseModel):
    """How the search box read ``q``: what it took out of the text as filters (each only where the request
    did not give that parameter itself), and the rest, searched as text."""

    region: RegionRef | None = Field(
        default=None, description="a place named in q (洛阳, 郑州市金水区, 河南)"
    )
    salary_min: int | None = Field(
        default=None, description="CNY per month, from a pay phrase (8k, 月薪8000以上, 日薪200 as 4350)"
    )
    salary_max: int | None = Field(
        default=None, description="CNY per month: the top of 工资5000-7000, 5000以下"
    )
    job_type: JobType | None = Field(
        default=None, description="from 兼职, 临时工, 日结 (临时), 小时工 (兼职)"
    )
    education: EducationLevel | None = Field(
        default=None, description="from 大专, 中专以上, 学历不限: posts asking for this level or less"
    )
    text: str = Field(description="the words searched as text (the trade); empty when q held only filters")
    notes: list[str] = Field(description="for the kiosk to show, e.g. 已按 洛阳市 筛选")


class Relaxation(BaseModel):
    """One step taken because the query as typed found nothing."""

    model_config = ConfigDict(serialize_by_alias=True)

    kind: Literal["dropped_term", "widened_region"]
    term: str | None = Field(default=None, description="dropped_term: the query word left out")
    from_region: RegionRef | None = Field(
        default=None, serialization_alias="from", description="widened_region: the region"
    )
    to_region: RegionRef | None = Field(
        default=None, serialization_alias="to", description="widened_region: the one above it"
    )
    note: str = Field(description="for the kiosk to show, e.g. 已去掉「包吃住」")


class SearchResponse(BaseModel):
    total: int
    page: int
    size: int
    hits: list[PostingHit]
    facets: dict[str, list[FacetBucket]] = Field(
        description="facet name (region, job_type, education, salary) → buckets; region buckets are cities"
    )
    understood: Understood | None = Field(default=None, description="how q was read; absent without q")
    relaxed: list[Relaxation] = Field(
        default_factory=list,
        description="when q as read found nothing: the steps (at most 3) taken until something was found, "
        "in order; empty when the query found something as typed",
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
