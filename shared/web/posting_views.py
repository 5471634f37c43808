"""What callers see of a posting: a summary in result lists and the public view of one posting.

Both search and matching answer with these, built from the indexed record;
internal bookkeeping (version, ingest warnings, what indexing derived) stays
out of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.domain.inputs import JobType, Programme
from shared.domain.records import EmployerRecord, PlaceRecord, PostingRecord


class EmployerName(BaseModel):
    name: str | None


class RegionView(BaseModel):
    region_code: str | None
    province: str | None
    city: str | None
    district: str | None


class SalaryView(BaseModel):
    min: float | None
    """CNY per month."""
    max: float | None
    negotiable: bool
    text: str | None
    """As the employer wrote it."""


class SalaryDetail(SalaryView):
    parsed: bool
    """Whether the text was understood; when not, min and max are empty and the text is all there is."""


class PostingSummary(BaseModel):
    id: str
    title: str
    employer: EmployerName
    region: RegionView
    salary: SalaryView
    job_type: JobType | None
    education_min: str | None
    posted_at: datetime
    expires_at: datetime | None


class PostingPublic(BaseModel):
    """One posting as anyone may read it."""

    id: str
    source: str
    source_id: str
    title: str
    description: str
    employer: EmployerRecord
    location: PlaceRecord
    salary: SalaryDetail
    salary_min: float | None
    salary_max: float | None
    salary_negotiable: bool
    education_min: str | None
    experience_min_years: float | None
    headcount: int | None
    job_type: JobType | None
    skills: list[str]
    certificates: list[str]
    benefits: list[str]
    programmes: list[Programme]
    target_provinces: list[str]
    posted_at: datetime
    expires_at: datetime | None
    status: Literal["open", "closed"]
    updated_at: datetime
    duplicates_of: str | None = None
    """On a vacancy another platform also carries: the id of the posting shown for it in search and
    matching (the earliest posted), which this one duplicates."""
    duplicates: list[str] = Field(default_factory=list)
    """On that posting: the ids of the open postings that duplicate it."""


def posting_summary(record: PostingRecord) -> PostingSummary:
    location = record.location
    return PostingSummary(
        id=record.id,
        title=record.title,
        employer=EmployerName(name=record.employer.name),
        region=RegionView(
            region_code=location.region_code,
            province=location.province,
            city=location.city,
            district=location.district,
        ),
        salary=SalaryView(
            min=record.salary_min,
            max=record.salary_max,
            negotiable=record.salary_negotiable,
            text=record.salary.text,
        ),
        job_type=record.job_type,
        education_min=record.education_min,
        posted_at=record.posted_at,
        expires_at=record.expires_at,
    )


def posting_public(
    record: PostingRecord, *, duplicates_of: str | None = None, duplicates: Sequence[str] = ()
) -> PostingPublic:
    # The salary parser's note is a diagnostic for staff (and in English): it stays out.
    fields = record.model_dump(include=set(PostingPublic.model_fields), exclude={"salary": {"note"}})
    return PostingPublic.model_validate(
        {**fields, "duplicates_of": duplicates_of, "duplicates": list(duplicates)}
    )
