"""Input model → stored record: ids, versions, regions, salary, education, dates.

Problems that make a record misleading raise ``FieldProblem`` (the record is
rejected); problems that only lose precision become warnings on an accepted
record (an unparseable salary is kept as text and flagged).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone

from shared.domain.credit_code import credit_code_error
from shared.domain.education import parse_education
from shared.domain.flags import PostingFlag, detect_flags
from shared.domain.id_number import mask_id_number
from shared.domain.inputs import PostingIn, SeekerIn
from shared.domain.personal import mask_identifiers
from shared.domain.problems import FieldProblem, Problem
from shared.domain.records import EmployerRecord, PlaceRecord, PostingRecord, SalaryRecord, SeekerRecord
from shared.domain.regions import Region, get_region, resolve_location
from shared.domain.salary import parse_salary

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def record_id(source: str, source_id: str) -> str:
    return f"{source}:{source_id}"


# An update time this far ahead of our clock is a sender's error; accepting it would lock the record.
MAX_CLOCK_SKEW = timedelta(minutes=5)


def as_china_time(value: datetime | date | None, *, end_of_day: bool = False) -> datetime | None:
    """Platforms send local times without an offset; read those as Beijing time.

    A plain date is the start of that day, or its end for a deadline.
    """
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime.combine(value, time(23, 59, 59) if end_of_day else time.min, CHINA_TZ)
    return value.replace(tzinfo=CHINA_TZ) if value.tzinfo is None else value


def not_in_future(value: datetime | None, received_at: datetime, *, field: str, code: str) -> datetime | None:
    if value is not None and value > received_at + MAX_CLOCK_SKEW:
        raise FieldProblem(Problem.of(field, code, "时间晚于当前时间"))
    return value


def checked_update_time(value: datetime | date | None, received_at: datetime) -> datetime | None:
    return not_in_future(as_china_time(value), received_at, field="updated_at", code="UPDATED_IN_FUTURE")


def version_of(updated_at: datetime | None, received_at: datetime) -> int:
    """Versions are update times in ms, so a newer edit always wins whatever order events arrive in."""
    return int((updated_at or received_at).timestamp() * 1000)


def place_record(region: Region | None, text: str | None) -> PlaceRecord:
    if region is None:
        return PlaceRecord(text=text)
    return PlaceRecord(
        text=text,
        region_code=region.code,
        province=region.province,
        city=region.city,
        district=region.district,
    )


def _resolve_region(code: str | None, text: str | None, field: str, warnings: list[Problem]) -> Region | None:
    if code:
        region = get_region(code)
        if region is None:
            raise FieldProblem(Problem.of(field, "REGION_CODE_UNKNOWN", f"行政区划代码 {code} 不存在"))
        if region.code != code:
            warnings.append(
                Problem.of(field, "REGION_CODE_RENAMED", f"行政区划代码 {code} 已调整为 {region.code}")
            )
        return region
    if text:
        region = resolve_location(text)
        if region is None:
            warnings.append(Problem.of(field, "LOCATION_UNRESOLVED", f"无法识别地点「{text}」"))
        return region
    return None


# Fields stored as they were sent (already checked by the input model); the rest are normalised below.
_POSTING_AS_SENT = {
    "source", "source_id", "title", "description", "experience_min_years", "headcount", "job_type",
    "skills", "certificates", "benefits", "programmes", "status",
}  # fmt: skip
_SEEKER_AS_SENT = {
    "source", "source_id", "name", "phone", "birth_year", "desired_titles", "willing_to_relocate",
    "expected_salary_min", "skills", "certificates", "major", "graduation_year", "experience_years",
    "work_history", "groups", "consent_share_with_partners", "status",
}  # fmt: skip


_SEEKER_FREE_TEXT = ("work_history", "major", "desired_titles", "skills", "certificates")
"""Where a seeker may type an identifier; masked at ingest (shared.domain.personal.mask_identifiers)."""


def normalise_posting(item: PostingIn, *, received_at: datetime) -> tuple[PostingRecord, list[Problem]]:
    warnings: list[Problem] = []
    location_text = item.location.text if item.location else None
    location_code = (item.location.region_code if item.location else None) or item.region_code
    region = _resolve_region(location_code, location_text, "location", warnings)

    salary_in = item.salary
    salary = (
        parse_salary(salary_in.text, min=salary_in.min, max=salary_in.max, period=salary_in.period)
        if salary_in
        else parse_salary(None)
    )
    if not salary.parsed:
        said = f"无法解析薪资「{salary.text}」，按原文保留" if salary.text else "未给出可用的薪资金额"
        warnings.append(Problem.of("salary", "SALARY_UNPARSED", said))

    education = parse_education(item.education_min)
    if item.education_min and education is None:
        warnings.append(
            Problem.of("education_min", "EDUCATION_UNKNOWN", f"无法识别学历要求「{item.education_min}」")
        )

    target_provinces = []
    for code in item.target_provinces:
        province = get_region(code)
        if province is None or province.level != "province":
            raise FieldProblem(
                Problem.of("target_provinces", "REGION_CODE_UNKNOWN", f"{code} 不是省级行政区划代码")
            )
        if province.code not in target_provinces:
            target_provinces.append(province.code)

    given_posted_at = not_in_future(
        as_china_time(item.posted_at), received_at, field="posted_at", code="POSTED_IN_FUTURE"
    )
    expires_at = as_china_time(item.expires_at, end_of_day=True)
    if expires_at is not None and given_posted_at is not None and expires_at < given_posted_at:
        raise FieldProblem(Problem.of("expires_at", "EXPIRES_BEFORE_POSTED", "截止时间早于发布时间"))
    updated_at = checked_update_time(item.updated_at, received_at)

    employer = item.employer.model_dump()
    if employer["credit_code"] and credit_code_error(employer["credit_code"]):
        employer["credit_code"] = None  # kept in the flag's evidence, not as the employer's identity
    record = PostingRecord(
        **item.model_dump(include=_POSTING_AS_SENT),
        id=record_id(item.source, item.source_id),
        employer=EmployerRecord(**employer),
        location=place_record(region, location_text),
        salary=SalaryRecord(
            text=salary.text,
            min=salary.min,
            max=salary.max,
            negotiable=salary.negotiable,
            parsed=salary.parsed,
            note=salary.note,
        ),
        salary_min=salary.min,
        salary_max=salary.max,
        salary_negotiable=salary.negotiable,
        education_min=education,
        target_provinces=target_provinces,
        posted_at=given_posted_at or received_at.astimezone(CHINA_TZ),
        expires_at=expires_at,
        updated_at=updated_at or received_at.astimezone(CHINA_TZ),
        version=version_of(updated_at, received_at),
        warnings=warnings,
        flags=posting_flags(
            item, salary_top=salary.max if salary.max is not None else salary.min, region=region
        ),
    )
    return record, warnings


def posting_flags(item: PostingIn, *, salary_top: float | None, region: Region | None) -> list[PostingFlag]:
    """The review flags of a posting (shared.domain.flags), over every text a seeker reads of it."""
    texts = {
        "title": item.title,
        "description": item.description,
        "skills": "，".join(item.skills),
        "certificates": "，".join(item.certificates),
        "benefits": "，".join(item.benefits),
    }
    return detect_flags(
        title=item.title,
        texts=texts,
        salary_top=salary_top,
        region_code=region.code if region else None,
        employer_name=item.employer.name,
        credit_code=item.employer.credit_code,
    )


def normalise_seeker(
    item: SeekerIn, *, received_at: datetime, id_number_hash: Callable[[str], str]
) -> tuple[SeekerRecord, list[Problem]]:
    """``id_number_hash``: the deployment's keyed hash (shared.security.secret); the number itself is dropped."""
    warnings: list[Problem] = []
    region = _resolve_region(item.region_code, item.location, "region_code", warnings)
    hukou = _resolve_region(item.hukou_region_code, None, "hukou_region_code", warnings)
    desired = []
    for code in item.desired_region_codes:
        found = _resolve_region(code, None, "desired_region_codes", warnings)
        if found:
            desired.append(found.code)
    education = parse_education(item.education)
    if item.education and education is None:
        warnings.append(Problem.of("education", "EDUCATION_UNKNOWN", f"无法识别学历「{item.education}」"))
    updated_at = checked_update_time(item.updated_at, received_at)
    sent = item.model_dump(include=_SEEKER_AS_SENT)
    for field in _SEEKER_FREE_TEXT:
        value = sent.get(field)
        if not value:
            continue
        cleaned = [mask_identifiers(v) for v in value] if isinstance(value, list) else mask_identifiers(value)
        if cleaned != value:
            sent[field] = cleaned
            warnings.append(Problem.of(field, "PERSONAL_DATA_MASKED", "文本中的电话号码、身份证号已遮蔽"))
    record = SeekerRecord(
        **sent,
        id=record_id(item.source, item.source_id),
        id_number_hash=id_number_hash(item.id_number) if item.id_number else None,
        id_number_masked=mask_id_number(item.id_number) if item.id_number else None,
        location=place_record(region, item.location),
        region_code=region.code if region else None,
        hukou_region_code=hukou.code if hukou else None,
        desired_region_codes=desired,
        education=education,
        updated_at=updated_at or received_at.astimezone(CHINA_TZ),
        version=version_of(updated_at, received_at),
        warnings=warnings,
    )
    return record, warnings


def now_utc() -> datetime:
    return datetime.now(UTC)
