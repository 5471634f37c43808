"""A query's reading (services.search.understanding) applied to a posting search: filters where the request
gave none itself, the rest of q as the text, and the notes a kiosk shows."""

from __future__ import annotations

import dataclasses

from services.search.models import RegionRef, Understood
from services.search.query import PostingSearch
from services.search.understanding import PayReading, read_query
from shared.domain.regions import Region


def region_ref(region: Region) -> RegionRef:
    return RegionRef(code=region.code, name=region_label(region))


def region_label(region: Region) -> str:
    """A county with its city (郑州市金水区): county names repeat across the country, city names do not."""
    if region.level == "county":
        return f"{region.city or region.province}{region.name}"
    return region.name


def understand(params: PostingSearch) -> tuple[PostingSearch, Understood | None]:
    """``params`` with what ``q`` says as filters, and how it was read; None without q."""
    if not params.q or not params.q.strip():
        return params, None
    reading = read_query(params.q)
    changes: dict[str, object] = {}
    notes: list[str] = []
    understood = Understood(text=reading.text, notes=[])

    def overruled(phrase: str) -> None:
        notes.append(f"「{phrase}」以所选条件为准")

    if reading.place:
        if params.region:
            # The place stays a word of the text, matched against the posts' places as before.
            understood.text = " ".join((*reading.place.words, reading.text)).strip()
        else:
            understood.region = region_ref(reading.place.region)
            changes["region"] = reading.place.region.code
            notes.append(f"已按 {understood.region.name} 筛选")
    if reading.pay:
        if params.salary_min is not None:
            overruled(reading.pay.text)
        else:
            understood.salary_min, understood.salary_max = reading.pay.salary_min, reading.pay.salary_max
            changes.update(salary_min=reading.pay.salary_min, salary_max=reading.pay.salary_max)
            notes.append(_pay_note(reading.pay))
    if reading.education:
        if params.education:
            overruled(reading.education.text)
        else:
            understood.education = reading.education.level
            changes["education"] = reading.education.level
            level = reading.education.level
            notes.append(
                "已按 学历不限 筛选"
                if level == "不限"
                else f"已按 {level}学历 筛选（要求{level}及以下的岗位）"
            )
    if reading.job_type and reading.job_type_word:
        if params.job_type:
            overruled(reading.job_type_word)
        else:
            understood.job_type = reading.job_type
            changes["job_type"] = reading.job_type
            said = "" if reading.job_type_word == reading.job_type else f"（{reading.job_type_word}）"
            notes.append(f"已按 {reading.job_type}岗位 筛选{said}")
    understood.notes = notes
    return dataclasses.replace(params, q=understood.text, **changes), understood  # type: ignore[arg-type]


def _pay_note(pay: PayReading) -> str:
    if pay.salary_min is not None and pay.salary_max is not None:
        amount = (
            f"约{pay.salary_min}元"
            if pay.salary_min == pay.salary_max
            else f"{pay.salary_min}-{pay.salary_max}元"
        )
    elif pay.salary_min is not None:
        amount = f"{pay.salary_min}元以上"
    else:
        amount = f"{pay.salary_max}元以下"
    converted = f"（{pay.text} 按月折算）" if pay.period != "month" else ""
    return f"已按 月薪{amount} 筛选{converted}"
