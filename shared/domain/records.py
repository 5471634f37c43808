"""The stored records: what normalisation produces, events carry and the index keeps.

``PostingRecord`` and ``SeekerRecord`` are the one shape of a normalised
record. An event's value is ``record.model_dump(mode="json")``; the indexing
consumer validates it back into the model, so a record that drifted from the
schema is caught there (and dead-lettered), not deep inside the matcher.

``schema_version`` grows when a change would make an older event mean
something else; events written before the field existed read as version 1.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.domain.education import EducationLevel
from shared.domain.flags import PostingFlag
from shared.domain.id_number import mask_id_number
from shared.domain.inputs import JobType, Programme, SeekerGroup
from shared.domain.problems import Problem
from shared.domain.regions import get_region

RECORD_SCHEMA_VERSION = 1


def _known_region(code: str) -> str:
    # A stored code is one normalisation resolved; one the region table does not know means the event
    # was not written by it (or the table lost a code): refused here, not deep in the matcher.
    if get_region(code) is None:
        raise ValueError(f"未知的行政区划代码 {code}")
    return code


RegionCode = Annotated[str, AfterValidator(_known_region)]


class _Stored(BaseModel):
    # Extra keys in an event are an error: they mean the writer and this reader disagree on the schema.
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlaceRecord(_Stored):
    """A place as sent (``text``) and as resolved to a GB/T 2260 region (None when it could not be)."""

    text: str | None = None
    region_code: RegionCode | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None


class EmployerRecord(_Stored):
    name: str | None = None
    credit_code: str | None = None
    industry: str | None = None


class SalaryRecord(_Stored):
    """CNY per month; the text as sent is kept, and ``parsed`` says whether it was understood."""

    text: str | None = None
    min: float | None = None
    max: float | None = None
    negotiable: bool = False
    parsed: bool = False
    note: str | None = None


class PostingRecord(_Stored):
    schema_version: int = RECORD_SCHEMA_VERSION
    id: str
    source: str
    source_id: str
    title: str
    description: str = ""
    employer: EmployerRecord = Field(default_factory=EmployerRecord)
    location: PlaceRecord = Field(default_factory=PlaceRecord)
    salary: SalaryRecord = Field(default_factory=SalaryRecord)
    salary_min: float | None = None
    salary_max: float | None = None
    salary_negotiable: bool = False
    education_min: EducationLevel | None = None
    """None when the post names no level."""
    experience_min_years: float | None = None
    headcount: int | None = None
    job_type: JobType | None = None
    skills: list[str] = Field(default_factory=list)
    certificates: list[str] = Field(default_factory=list)
    benefits: list[str] = Field(default_factory=list)
    programmes: list[Programme] = Field(default_factory=list)
    target_provinces: list[RegionCode] = Field(default_factory=list)
    posted_at: datetime
    expires_at: datetime | None = None
    status: Literal["open", "closed"] = "open"
    updated_at: datetime
    version: int
    """The update time in ms: a newer edit always wins, whatever order events arrive in."""
    warnings: list[Problem] = Field(default_factory=list)
    flags: list[PostingFlag] = Field(default_factory=list)
    """What staff must review (shared.domain.flags); an event written before flags existed reads as none."""

    @property
    def salary_top(self) -> float | None:
        """The most the post may pay: what a salary filter and the matcher compare with."""
        return self.salary_max if self.salary_max is not None else self.salary_min


class SeekerRecord(_Stored):
    schema_version: int = RECORD_SCHEMA_VERSION
    id: str
    source: str
    source_id: str
    # Personal data (shared.domain.personal): never answered to kiosks or partners, never logged.
    name: str | None = None
    id_number_hash: str | None = None
    """HMAC-SHA256 of the ID number under the deployment secret: the same person across sources, and
    nothing else; the number itself is never stored."""
    id_number_masked: str | None = None
    """110*************2X: what staff may see to confirm a person at the counter."""
    phone: str | None = None
    birth_year: int | None = None
    location: PlaceRecord = Field(default_factory=PlaceRecord)
    region_code: RegionCode | None = None
    hukou_region_code: RegionCode | None = None
    desired_titles: list[str] = Field(default_factory=list)
    desired_region_codes: list[RegionCode] = Field(default_factory=list)
    willing_to_relocate: bool = False
    expected_salary_min: float | None = None
    skills: list[str] = Field(default_factory=list)
    certificates: list[str] = Field(default_factory=list)
    education: EducationLevel | None = None
    major: str | None = None
    graduation_year: int | None = None
    experience_years: float | None = None
    work_history: str = ""
    groups: list[SeekerGroup] = Field(default_factory=list)
    consent_share_with_partners: bool = False
    status: Literal["seeking", "employed"] = "seeking"
    updated_at: datetime
    version: int
    warnings: list[Problem] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _no_clear_id_number(cls, data: Any) -> Any:
        # Events written before ID numbers were hashed carry the number itself: read without it, so it
        # never reaches the index; its masked form is kept (no secret is at hand here to hash it).
        if isinstance(data, dict) and "id_number" in data:
            data = dict(data)
            number = data.pop("id_number")
            if isinstance(number, str) and number and "id_number_masked" not in data:
                data["id_number_masked"] = mask_id_number(number)
        return data


StoredRecord = PostingRecord | SeekerRecord
