"""Records as clients send them (``*In``); what is kept is in ``shared.domain.records``.

Input models are lenient where real platforms are messy (salary and location
as free text or structured) and strict where a wrong value would mislead
(ID number checksum, title present; a credit code failing its check is a
review flag, not a rejection). ``shared.domain.normalise`` turns an input
model into the stored record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainValidator,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from shared.domain.credit_code import normalize_credit_code
from shared.domain.id_number import id_number_error

JobType = Literal["全职", "兼职", "实习", "临时", "见习", "公益性岗位"]
Programme = Literal[
    "poverty_workshop", "public_welfare_post", "internship_base", "disability_friendly", "veteran_friendly"
]
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

# Character classes, as regex text (ASCII escapes only, so the OpenAPI document stays plain JSON, and the
# same set in Python's re, the Rust regex pydantic checks patterns with, and JSON Schema's).
#
# Text that cannot be stored or answered: NUL and other C0 controls (tab and line breaks aside), DEL, and
# lone UTF-16 surrogates, which JSON's \u escapes can carry but UTF-8 cannot encode. The documented
# patterns name the controls only: a lone surrogate is no character at all (RFC 8259 §8.2), and a class of
# surrogates would mean every character beyond U+FFFF to a JavaScript-style regex engine.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_UNUSABLE_CHARACTERS = re.compile(rf"[{_CONTROL}\ud800-\udfff]")
# What ``str.strip`` removes around a value, the controls above aside (those are refused: vertical tab and
# form feed among them).
_SPACE = r"\t\n\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
USABLE_PATTERN = f"^[^{_CONTROL}]*$"
"""Documented on every text field without a pattern of its own: the characters ``_usable_text`` refuses."""
NON_BLANK_PATTERN = f"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$"
"""A text field that must not be blank: usable characters, at least one of them not whitespace."""


def _usable_text(value: str) -> str:
    found = _UNUSABLE_CHARACTERS.search(value)
    if found:
        raise ValueError(f"含有无法保存的字符 U+{ord(found.group(0)):04X}（第 {found.start() + 1} 个字符）")
    return value


@dataclass(frozen=True)
class _Text:
    """The check every text field a client sends goes through, after its length and pattern constraints.

    Lengths and patterns count the text as sent, as its document says (``maxLength`` 200 refuses 201
    characters, spaces included); the value is stripped afterwards. ``required``: blank after stripping is
    refused as empty (``REQUIRED``). ``pattern``: what the document says of the field's characters (default:
    its own pattern, else ``USABLE_PATTERN``), so the document refuses what this refuses.
    """

    strip: bool = True
    required: bool = False
    pattern: str | None = None

    def check(self, value: str) -> str:
        value = _usable_text(value)
        if self.strip:
            value = value.strip()
        if self.required and not value:
            raise PydanticCustomError("string_too_short", "blank", {"min_length": 1})
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        documented = handler(schema)
        if self.pattern is not None:
            documented["pattern"] = self.pattern
        else:
            documented.setdefault("pattern", USABLE_PATTERN)
        return documented


_USABLE = _Text()
Text = Annotated[str, _USABLE]
"""Every text field a client sends is checked by ``_Text``: a rule for the whole class of input.

The length and pattern constraints come before the check (``Annotated[str, StringConstraints(...), _USABLE]``)
so they stay text constraints, answered TOO_LONG / BAD_FORMAT like any other string."""

# Codes and ids may come with whitespace around them (stripped); the pattern says so.
_AROUND = f"[{_SPACE}]*"
SourceCode = Annotated[
    str, StringConstraints(pattern=f"^{_AROUND}[A-Za-z0-9][A-Za-z0-9._-]{{0,63}}{_AROUND}$"), _USABLE
]
# No "/": ids appear in URL paths (GET /v1/postings/{id}). At most 128 characters once stripped. The
# pattern checked leaves the controls to ``_Text`` (refused as INVALID, naming the character); the one
# documented excludes them too.
_SOURCE_ID = r"^{around}[^/\s{control}](?:[^/{control}]{{0,126}}[^/\s{control}])?{around}$"
SourceId = Annotated[
    str,
    StringConstraints(pattern=_SOURCE_ID.format(around=_AROUND, control="")),
    _Text(pattern=_SOURCE_ID.format(around=_AROUND, control=_CONTROL)),
]


_SOURCE_CODE: TypeAdapter[str] = TypeAdapter(SourceCode)
_SOURCE_ID_ADAPTER: TypeAdapter[str] = TypeAdapter(SourceId)


def is_source_code(value: str) -> bool:
    """Whether ``value`` is a source code a record may name (what an API key may be bound to)."""
    try:
        _SOURCE_CODE.validate_python(value)
    except ValidationError:
        return False
    return value == value.strip()


def is_record_id(value: str) -> bool:
    """Whether ``value`` is a ``source:source_id`` that a record sent with those fields could have."""
    source, colon, source_id = value.partition(":")
    try:
        _SOURCE_CODE.validate_python(source)
        _SOURCE_ID_ADAPTER.validate_python(source_id)
    except ValidationError:
        return False
    return bool(colon) and source == source.strip() and source_id == source_id.strip()


def _not_a_boolean(value: Any) -> Any:
    # JSON's true is not the number 1: a sender that puts a boolean in a number field has mixed up fields.
    if isinstance(value, bool):
        raise PydanticCustomError("float_type", "not a number")
    return value


# A number's bounds come before the check, so the document shows them (minimum, maximum).
_NUMBER = BeforeValidator(_not_a_boolean)
Years = Annotated[float, Field(ge=0, le=60), _NUMBER]
MonthlyPay = Annotated[float, Field(ge=0, le=1_000_000), _NUMBER]
# A yearly 100 million is beyond any posting; the bound keeps every period's conversion finite.
PayAmount = Annotated[float, Field(ge=0, le=100_000_000), _NUMBER]
Headcount = Annotated[int, Field(ge=1, le=100_000), _NUMBER]
BirthYear = Annotated[int, Field(ge=1940, le=2020), _NUMBER]
GraduationYear = Annotated[int, Field(ge=1950, le=2040), _NUMBER]

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_COMPACT_DATE = re.compile(r"(19|20)\d{6}")
_DATETIME = TypeAdapter(datetime)


def _date_or_time(value: Any) -> date | datetime:
    """A date alone (``2026-11-20``) stays a date; anything else must be a full time, written as text.

    Decided by the text, not by trying one type then the other: a time at
    midnight (``2026-11-20T00:00:00Z``) is a time with its offset, not a date.
    """
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str):
        # A number is no time either (pydantic would read 0 as 1970): the document says text.
        raise PydanticCustomError("datetime_parsing", "invalid time")
    text = value.strip()
    if _DATE_ONLY.fullmatch(text) or _COMPACT_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)  # 2026-11-20 and 20261120 alike
        except ValueError:
            raise PydanticCustomError("date_parsing", "invalid date") from None
    if text.isdigit():
        # Digits alone are no time: pydantic would read "20261120" as seconds since 1970.
        raise PydanticCustomError("datetime_parsing", "invalid time")
    try:
        return _DATETIME.validate_python(text)
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
ShortText = Annotated[str, StringConstraints(max_length=200), _USABLE]
Tag = Annotated[
    str, StringConstraints(min_length=1, max_length=60), _Text(required=True, pattern=NON_BLANK_PATTERN)
]
LongText = Annotated[str, StringConstraints(max_length=20000), _USABLE]
NoteText = Annotated[str, StringConstraints(max_length=500), _USABLE]
"""A short remark staff write (a review decision's note)."""
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Full-width digits (what a Chinese input method types) are read as the digits they are (as NFKC reads
# them); whitespace around the code is dropped.
RegionCode = Annotated[
    str,
    StringConstraints(pattern=f"^{_AROUND}[0-9０-９]{{6}}{_AROUND}$"),
    _USABLE,
    AfterValidator(lambda code: code.translate(_FULL_WIDTH_DIGITS)),
]

# The checker's reason keys, as the Chinese a person reads in the error message.
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
    # Text is stripped by its own type (``_Text``), after its length is checked as sent.
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class EmployerIn(_In):
    name: ShortText | None = None
    credit_code: Text | None = None
    industry: ShortText | None = None

    @field_validator("credit_code")
    @classmethod
    def _normal_credit_code(cls, value: str | None) -> str | None:
        # A code failing its check is not refused: the posting is accepted with a review flag
        # (shared.domain.flags, credit_code_invalid) and the record keeps no code it cannot trust.
        return normalize_credit_code(value) or None if value else None


class LocationIn(_In):
    text: ShortText | None = None
    region_code: RegionCode | None = None


class SalaryIn(_In):
    text: ShortText | None = None
    min: PayAmount | None = None
    max: PayAmount | None = None
    period: SalaryPeriod | None = None


def _text_as_object(value: Any) -> Any:
    """Platforms send a place or a salary as plain text or as an object; the text is the object's ``text``."""
    return {"text": value} if isinstance(value, str) else value


class PostingIn(_In):
    source: SourceCode
    source_id: SourceId
    title: Annotated[
        str, StringConstraints(min_length=1, max_length=200), _Text(required=True, pattern=NON_BLANK_PATTERN)
    ]
    description: LongText = ""
    employer: EmployerIn = Field(default_factory=EmployerIn)
    location: Annotated[
        LocationIn | None,
        BeforeValidator(_text_as_object, json_schema_input_type=ShortText | LocationIn | None),
    ] = None
    region_code: RegionCode | None = None
    salary: Annotated[
        SalaryIn | None, BeforeValidator(_text_as_object, json_schema_input_type=ShortText | SalaryIn | None)
    ] = None
    education_min: ShortText | None = None
    experience_min_years: Years | None = None
    headcount: Headcount | None = None
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
    birth_year: BirthYear | None = None
    region_code: RegionCode | None = None
    location: ShortText | None = None
    hukou_region_code: RegionCode | None = None
    desired_titles: list[Tag] = Field(default_factory=list, max_length=20)
    desired_region_codes: list[RegionCode] = Field(default_factory=list, max_length=50)
    willing_to_relocate: StrictBool = False
    expected_salary_min: MonthlyPay | None = None
    skills: list[Tag] = Field(default_factory=list, max_length=100)
    certificates: list[Tag] = Field(default_factory=list, max_length=100)
    education: ShortText | None = None
    major: ShortText | None = None
    graduation_year: GraduationYear | None = None
    experience_years: Years | None = None
    work_history: LongText = ""
    groups: list[SeekerGroup] = Field(default_factory=list, max_length=20)
    consent_share_with_partners: StrictBool = False
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
    willing_to_relocate: StrictBool = False
    expected_salary_min: MonthlyPay | None = None
    education: ShortText | None = None
    experience_years: Years | None = None
    groups: list[SeekerGroup] = Field(default_factory=list, max_length=20)
    text: Annotated[str, StringConstraints(max_length=2000), _USABLE] = ""
    """Free words ("想找包吃住的普工") added to the desired-job text."""
    stretch: StrictBool = False
    """Also offer posts whose stated minimum education or experience the profile falls short of, marked
    ``stretch`` (services.matcher.gate)."""
