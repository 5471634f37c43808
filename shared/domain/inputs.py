"""Records as clients send them (``*In``); what is kept is in ``shared.domain.records``.

Input models are lenient where real platforms are messy (salary and location
as free text or structured) and strict where a wrong value would mislead
(credit code checksum, ID number checksum, title present). ``shared.domain.normalise``
turns an input model into the stored record.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from shared.domain.credit_code import credit_code_error
from shared.domain.id_number import id_number_error

JobType = Literal["全职", "兼职", "实习", "临时", "见习", "公益性岗位"]
Programme = Literal["poverty_workshop", "public_welfare_post", "internship_base", "disability_friendly"]
SeekerGroup = Literal[
    "college_graduate",
    "rural_migrant",
    "registered_poor",
    "low_income",
    "disabled",
    "veteran",
    "overcapacity_laid_off",
    "hard_to_employ",
    "zero_employment_family",
]
SalaryPeriod = Literal["month", "year", "day", "hour", "week"]

# Text that cannot be stored or answered: NUL and other C0 controls (line breaks aside), and lone
# UTF-16 surrogates, which JSON's \u escapes can carry but UTF-8 cannot encode.
_UNUSABLE_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _usable_text(value: str) -> str:
    found = _UNUSABLE_CHARACTERS.search(value)
    if found:
        raise ValueError(f"含有无法保存的字符 U+{ord(found.group(0)):04X}（第 {found.start() + 1} 个字符）")
    return value


_USABLE = AfterValidator(_usable_text)
Text = Annotated[str, _USABLE]
"""Every text field a client sends is checked by ``_usable_text``: a rule for the whole class of input.

The length and pattern constraints come before the check (``Annotated[str, StringConstraints(...), _USABLE]``)
so they stay text constraints, answered TOO_LONG / BAD_FORMAT like any other string."""

SourceCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
]
# No "/": ids appear in URL paths (GET /v1/postings/{id}).
SourceId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^/\s][^/]{0,127}$"), _USABLE]


_SOURCE_CODE: TypeAdapter[str] = TypeAdapter(SourceCode)
_SOURCE_ID: TypeAdapter[str] = TypeAdapter(SourceId)


def is_record_id(value: str) -> bool:
    """Whether ``value`` is a ``source:source_id`` that a record sent with those fields could have."""
    source, colon, source_id = value.partition(":")
    try:
        _SOURCE_CODE.validate_python(source)
        _SOURCE_ID.validate_python(source_id)
    except ValidationError:
        return False
    return bool(colon) and source == source.strip() and source_id == source_id.strip()


def _not_a_boolean(value: Any) -> Any:
    # JSON's true is not the number 1: a sender that puts a boolean in a number field has mixed up fields.
    if isinstance(value, bool):
        raise PydanticCustomError("float_type", "not a number")
    return value


Number = Annotated[float, BeforeValidator(_not_a_boolean)]
Count = Annotated[int, BeforeValidator(_not_a_boolean)]

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_COMPACT_DATE = re.compile(r"(19|20)\d{6}")
_DATETIME = TypeAdapter(datetime)


def _date_or_time(value: Any) -> date | datetime:
    """A date alone (``2026-11-20``) stays a date; anything else must be a full time.

    Decided by the text, not by trying one type then the other: a time at
    midnight (``2026-11-20T00:00:00Z``) is a time with its offset, not a date.
    """
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, bool):
        raise PydanticCustomError("datetime_parsing", "invalid time")
    text = value.strip() if isinstance(value, str) else None
    if text is not None and (_DATE_ONLY.fullmatch(text) or _COMPACT_DATE.fullmatch(text)):
        try:
            return date.fromisoformat(text)  # 2026-11-20 and 20261120 alike
        except ValueError:
            raise PydanticCustomError("date_parsing", "invalid date") from None
    if text is not None and text.isdigit():
        # Digits alone are no time: pydantic would read "20261120" as seconds since 1970.
        raise PydanticCustomError("datetime_parsing", "invalid time")
    try:
        return _DATETIME.validate_python(value)
    except ValidationError:
        raise PydanticCustomError("datetime_parsing", "invalid time") from None


# A plain date is allowed; ``shared.domain.normalise`` reads an expiry date as the end of that day.
DateOrTime = Annotated[
    date | datetime,
    PlainValidator(_date_or_time),
    WithJsonSchema(
        {"type": "string", "description": "a date (2026-11-20) or a time (2026-11-20T09:00:00+08:00)"}
    ),
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), _USABLE]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), _USABLE]
LongText = Annotated[str, StringConstraints(max_length=20000), _USABLE]
# Full-width digits (what a Chinese input method types) are read as the digits they are.
RegionCode = Annotated[
    str, BeforeValidator(lambda v: unicodedata.normalize("NFKC", v) if isinstance(v, str) else v),
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$"),
]  # fmt: skip

# The checkers' reason keys, as the Chinese a person reads in the error message.
_CREDIT_CODE_REASONS = {
    "length": "应为 18 位",
    "charset": "含有不允许的字符",
    "authority": "第 1 位登记管理部门代码无效",
    "category": "第 2 位机构类别代码无效",
    "region": "第 3-8 位行政区划代码无效",
    "checksum": "校验位不符",
}
_ID_NUMBER_REASONS = {
    "length": "应为 18 位",
    "charset": "含有不允许的字符",
    "region": "前 6 位行政区划代码无效",
    "birth_date": "出生日期无效",
    "checksum": "校验位不符",
}
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class _In(BaseModel):
    # Unknown fields are ignored, not rejected: partner platforms send extras we do not use.
    # Infinity and NaN are no one's salary or age: refused as out of range.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, allow_inf_nan=False)


class EmployerIn(_In):
    name: ShortText | None = None
    credit_code: Text | None = None
    industry: ShortText | None = None

    @field_validator("credit_code")
    @classmethod
    def _check_credit_code(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = value.strip().upper()
        reason = credit_code_error(value)
        if reason:
            raise ValueError(f"统一社会信用代码无效：{_CREDIT_CODE_REASONS.get(reason, reason)}")
        return value


class LocationIn(_In):
    text: ShortText | None = None
    region_code: RegionCode | None = None


class SalaryIn(_In):
    text: ShortText | None = None
    # A yearly 100 million is beyond any posting; the bound keeps every period's conversion finite.
    min: Number | None = Field(default=None, ge=0, le=100_000_000)
    max: Number | None = Field(default=None, ge=0, le=100_000_000)
    period: SalaryPeriod | None = None


def _text_as_object(value: Any) -> Any:
    """Platforms send a place or a salary as plain text or as an object; the text is the object's ``text``."""
    return {"text": value} if isinstance(value, str) else value


class PostingIn(_In):
    source: SourceCode
    source_id: SourceId
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _USABLE]
    description: LongText = ""
    employer: EmployerIn = Field(default_factory=EmployerIn)
    location: Annotated[
        LocationIn | None, BeforeValidator(_text_as_object, json_schema_input_type=str | LocationIn | None)
    ] = None
    region_code: RegionCode | None = None
    salary: Annotated[
        SalaryIn | None, BeforeValidator(_text_as_object, json_schema_input_type=str | SalaryIn | None)
    ] = None
    education_min: ShortText | None = None
    experience_min_years: Number | None = Field(default=None, ge=0, le=60)
    headcount: Count | None = Field(default=None, ge=1, le=100000)
    job_type: JobType | None = None
    skills: list[Tag] = Field(default_factory=list, max_length=100)
    certificates: list[Tag] = Field(default_factory=list, max_length=100)
    benefits: list[Tag] = Field(default_factory=list, max_length=100)
    programmes: list[Programme] = Field(default_factory=list, max_length=10)
    target_provinces: list[RegionCode] = Field(default_factory=list, max_length=34)
    posted_at: DateOrTime | None = None
    expires_at: DateOrTime | None = None
    status: Literal["open", "closed"] = "open"
    updated_at: DateOrTime | None = None


class SeekerIn(_In):
    source: SourceCode
    source_id: SourceId
    name: ShortText | None = None
    id_number: Text | None = None
    phone: Text | None = None
    birth_year: Count | None = Field(default=None, ge=1940, le=2020)
    region_code: RegionCode | None = None
    location: ShortText | None = None
    hukou_region_code: RegionCode | None = None
    desired_titles: list[Tag] = Field(default_factory=list, max_length=20)
    desired_region_codes: list[RegionCode] = Field(default_factory=list, max_length=50)
    willing_to_relocate: bool = False
    expected_salary_min: Number | None = Field(default=None, ge=0, le=1_000_000)
    skills: list[Tag] = Field(default_factory=list, max_length=100)
    certificates: list[Tag] = Field(default_factory=list, max_length=100)
    education: ShortText | None = None
    major: ShortText | None = None
    graduation_year: Count | None = Field(default=None, ge=1950, le=2040)
    experience_years: Number | None = Field(default=None, ge=0, le=60)
    work_history: LongText = ""
    groups: list[SeekerGroup] = Field(default_factory=list, max_length=20)
    consent_share_with_partners: bool = False
    status: Literal["seeking", "employed"] = "seeking"
    updated_at: DateOrTime | None = None

    @field_validator("id_number")
    @classmethod
    def _check_id_number(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = value.strip().upper()
        reason = id_number_error(value)
        if reason:
            raise ValueError(f"身份证号码无效：{_ID_NUMBER_REASONS.get(reason, reason)}")
        return value

    @field_validator("phone")
    @classmethod
    def _check_phone(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = re.sub(r"[\s()（）]", "", value).removeprefix("+86")
        if not _PHONE.match(value):
            raise ValueError("电话号码格式无效")
        return value


class MatchProfileIn(_In):
    """What a kiosk walk-in types: no personal data, all optional."""

    desired_titles: list[Tag] = Field(default_factory=list, max_length=20)
    skills: list[Tag] = Field(default_factory=list, max_length=100)
    certificates: list[Tag] = Field(default_factory=list, max_length=100)
    region_code: RegionCode | None = None
    location: ShortText | None = None
    desired_region_codes: list[RegionCode] = Field(default_factory=list, max_length=50)
    willing_to_relocate: bool = False
    expected_salary_min: Number | None = Field(default=None, ge=0, le=1_000_000)
    education: ShortText | None = None
    experience_years: Number | None = Field(default=None, ge=0, le=60)
    groups: list[SeekerGroup] = Field(default_factory=list, max_length=20)
    text: Annotated[str, StringConstraints(max_length=2000), _USABLE] = ""
    """Free words ("想找包吃住的普工") added to the desired-job text."""
