"""What the feeds answer: pages of items, each a record's current state in the shape ingest accepts.

The records are shaped so that another jobmatch instance ingests them unchanged
(``PostingIn`` / ``SeekerIn`` validate them; a test holds them to that). These
models are the feed's contract: ``shared/schemas/feed-v1.json`` is generated
from them (``tools/feed_schema.py``) and a test keeps the two equal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.education import EducationLevel
from shared.domain.inputs import JobType, Programme, SeekerGroup

FEED_LIMIT_DEFAULT = 100
FEED_LIMIT_MAX = 500
FEED_SCHEMA_VERSION = 1

DeleteReason = Literal["deleted", "hidden", "not_shared"]


class _Feed(BaseModel):
    # Every field is always written (null when empty), so the document marks every one required.
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


# What the item's op implies, stated in the document too: an upsert has a record and a status, a delete a reason.
_OP_RULES: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {"op": {"const": "upsert"}}},
            "then": {
                "properties": {
                    "record": {"type": "object"},
                    "status": {"type": "string"},
                    "reason": {"type": "null"},
                }
            },
        },
        {
            "if": {"properties": {"op": {"const": "delete"}}},
            "then": {
                "properties": {
                    "record": {"type": "null"},
                    "status": {"type": "null"},
                    "reason": {"type": "string"},
                }
            },
        },
    ]
}


class FeedQuery(BaseModel):
    since: Annotated[
        str | None,
        Field(
            max_length=2000,
            description="the `next` of the last page read; omitted: from the beginning",
        ),
    ] = None
    limit: Annotated[
        int,
        Field(
            ge=1,
            le=FEED_LIMIT_MAX,
            description=f"changes read per page (at most {FEED_LIMIT_MAX}); several changes of one record "
            "make one item, so a page may hold fewer",
        ),
    ] = FEED_LIMIT_DEFAULT


class FeedEmployer(_Feed):
    name: str | None
    credit_code: str | None
    industry: str | None


class FeedLocation(_Feed):
    text: str | None = Field(description="the place as the employer wrote it")
    region_code: str | None = Field(description="GB/T 2260 code, when it was resolved")


class FeedSalary(_Feed):
    text: str | None = Field(description="as the employer wrote it")
    min: float | None = Field(description="CNY per month")
    max: float | None
    period: Literal["month"] = "month"


class FeedPosting(_Feed):
    """A posting as ``POST /v1/postings`` takes it."""

    source: str
    source_id: str
    title: str
    description: str
    employer: FeedEmployer
    location: FeedLocation
    salary: FeedSalary
    education_min: EducationLevel | None
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


class FeedSeeker(_Feed):
    """A consenting seeker as ``POST /v1/seekers`` takes it: no name, ID number (nor its hash or mask),
    phone, typed address or work history."""

    source: str
    source_id: str
    birth_year: int | None
    region_code: str | None
    desired_titles: list[str]
    desired_region_codes: list[str]
    willing_to_relocate: bool
    expected_salary_min: float | None
    skills: list[str]
    certificates: list[str]
    education: EducationLevel | None
    major: str | None
    graduation_year: int | None
    experience_years: float | None
    groups: list[SeekerGroup]
    consent_share_with_partners: Literal[True]
    status: Literal["seeking", "employed"]
    updated_at: datetime


class _Item(_Feed):
    model_config = ConfigDict(json_schema_extra=_OP_RULES)

    op: Literal["upsert", "delete"]
    id: str = Field(description="source:source_id")
    version: int = Field(description="ms; a partner keeps the highest version of each id")
    changed_at: datetime
    reason: DeleteReason | None = Field(
        description="why a delete: deleted (or gone), hidden (a staff review decision), "
        "not_shared (the seeker did not consent); null for an upsert"
    )


class PostingItem(_Item):
    kind: Literal["posting"] = "posting"
    status: Literal["open", "closed", "expired"] | None = Field(
        description="an upsert's state: expired is open past its deadline; null for a delete"
    )
    record: FeedPosting | None


class SeekerItem(_Item):
    kind: Literal["seeker"] = "seeker"
    status: Literal["seeking", "employed"] | None
    record: FeedSeeker | None


class _Page(_Feed):
    next: str = Field(description="poll again with since=next; equal to since when nothing is new")


class PostingFeedPage(_Page):
    items: list[PostingItem] = Field(description="in log order; one item per record, its current state")


class SeekerFeedPage(_Page):
    items: list[SeekerItem] = Field(description="in log order; one item per record, its current state")
