"""Salary normalisation: free text and/or structured amounts to CNY per month.

Conversion to a monthly amount:

- day:   x 21.75 (the statutory average of monthly working days set by the
         labour ministry in 2008: (365 - 104 weekend days - 11 holidays) / 12)
- hour:  x 174 (21.75 days x 8 hours)
- week:  x 52 / 12
- year:  / 12
- month: unchanged

Results are rounded half-up to whole yuan. Text that cannot be understood is
not rejected: it comes back with ``parsed=False`` and a note, and the caller
keeps the text and flags the record. Structured ``min``/``max``/``period``
win over the text; the text is still kept.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Period = Literal["month", "year", "day", "hour", "week"]

DAYS_PER_MONTH = 21.75
HOURS_PER_DAY = 8
MONTHLY_MIN_PLAUSIBLE = 100
MONTHLY_MAX_PLAUSIBLE = 1_000_000

_MONTHLY_FACTOR: dict[str, float] = {
    "month": 1.0,
    "year": 1 / 12,
    "day": DAYS_PER_MONTH,
    "hour": DAYS_PER_MONTH * HOURS_PER_DAY,
    "week": 52 / 12,
}
_UNIT_FACTOR = {"k": 1000, "千": 1000, "w": 10000, "万": 10000}

_AMOUNT = r"(\d+(?:\.\d+)?)\s*([kw千万])?"
_RANGE_RE = re.compile(_AMOUNT + r"\s*(?:元|块)?\s*(?:[-~—–〜]+|至|到)\s*" + _AMOUNT)
_SINGLE_RE = re.compile(
    r"(?P<pre>不低于|不少于|不超过|不高于|至少|最低|最少|最高|超过|高于|低于|大于|小于|多于|少于|过)?\s*"
    + _AMOUNT
    + r"\s*(?:元|块)?\s*(?P<post>及以上|以上|起|\+|多|以下|以内|左右|上下)?"
)
_AT_LEAST_WORDS = frozenset(
    {"不低于", "不少于", "至少", "最低", "最少", "超过", "高于", "大于", "多于", "过"}
)
_AT_MOST_WORDS = frozenset({"不超过", "不高于", "最高", "低于", "小于", "少于"})
_AT_LEAST_SUFFIXES = frozenset({"及以上", "以上", "起", "+", "多"})
_AT_MOST_SUFFIXES = frozenset({"以下", "以内"})

# "过万" / "上万" carry no digit; give them one so the amount pattern sees "1万".
_BARE_WAN_RE = re.compile(r"(过|上|破)(?=[万w])")
_CHINESE_DIGIT_RE = re.compile(r"(?<![一二两三四五六七八九十])([一二两三四五六七八九十])(?=[千万])")
_CHINESE_DIGITS = dict(zip("一二两三四五六七八九", "1223456789", strict=True)) | {"十": "10"}
_THOUSANDS_COMMA_RE = re.compile(r"(?<=\d),(?=\d{3})")
_SPACE_RE = re.compile(r"\s+")

_PERIOD_RE = re.compile(
    r"(?P<year>年薪|/年|每年)"
    r"|(?P<month>月薪|/月|每月|每个月|月入|月收入)"
    r"|(?P<day>日薪|/天|/日|每天|每日|日结)"
    r"|(?P<hour>时薪|/小时|/时|每小时|/h\b)"
    r"|(?P<week>周薪|/周|每周|/星期)"
)
_NEGOTIABLE_RE = re.compile(r"面议|面谈|可议|议价")
_BASE_PAY_RE = re.compile(r"底薪|保底|基本工资")
_COMMISSION_RE = re.compile(r"提成|绩效|奖金|计件")


@dataclass(frozen=True)
class Salary:
    min: int | None  # CNY per month
    max: int | None
    negotiable: bool
    parsed: bool  # False when text was given but not understood
    text: str | None
    note: str | None


def parse_salary(
    text: str | None = None,
    *,
    min: float | None = None,
    max: float | None = None,
    period: Period | None = None,
) -> Salary:
    """Normalise a salary to whole CNY per month; see the module docstring."""
    normalised = _normalise(text) if text else ""
    negotiable = bool(_NEGOTIABLE_RE.search(normalised))

    if min is not None or max is not None:
        return _build(min, max, period or "month", text=text, negotiable=negotiable, note=None)

    if not normalised:
        return Salary(
            None,
            None,
            negotiable=False,
            parsed=not text,
            text=text,
            note="empty salary text" if text else None,
        )

    low, high, approx_note = _amounts(normalised)
    if low is None and high is None:
        if negotiable:
            return Salary(None, None, negotiable=True, parsed=True, text=text, note=None)
        return Salary(None, None, negotiable=False, parsed=False, text=text, note="no amount found")

    note = approx_note
    if _BASE_PAY_RE.search(normalised):
        # Base pay is a floor: whatever comes on top is open-ended.
        high = None if high == low else high
        note = "底薪，另有提成" if _COMMISSION_RE.search(normalised) else "底薪"
    elif _COMMISSION_RE.search(normalised):
        note = "另有提成"

    detected = period or _detect_period(normalised)
    return _build(low, high, detected, text=text, negotiable=negotiable, note=note)


def _normalise(text: str) -> str:
    result = unicodedata.normalize("NFKC", text).lower()
    result = _SPACE_RE.sub("", result)
    result = _THOUSANDS_COMMA_RE.sub("", result)
    result = _CHINESE_DIGIT_RE.sub(lambda m: _CHINESE_DIGITS[m.group(1)], result)
    return _BARE_WAN_RE.sub(r"\g<1>1", result)


def _amounts(text: str) -> tuple[float | None, float | None, str | None]:
    """Return (low, high, note) in the text's own period; both None when no amount is found."""
    range_match = _RANGE_RE.search(text)
    if range_match:
        first_number, first_unit, second_number, second_unit = range_match.groups()
        high = float(second_number) * _UNIT_FACTOR.get(second_unit or "", 1)
        if first_unit:
            low = float(first_number) * _UNIT_FACTOR[first_unit]
        else:
            # "1-1.5万": the unit after the range applies to both ends, unless that
            # would overshoot the upper end ("5000-1.2万").
            scaled = float(first_number) * _UNIT_FACTOR.get(second_unit or "", 1)
            low = scaled if scaled <= high else float(first_number)
        return low, high, None

    single_match = _SINGLE_RE.search(text)
    if not single_match:
        return None, None, None
    value = float(single_match.group(2)) * _UNIT_FACTOR.get(single_match.group(3) or "", 1)
    prefix, suffix = single_match.group("pre"), single_match.group("post")
    if prefix in _AT_LEAST_WORDS or suffix in _AT_LEAST_SUFFIXES:
        return value, None, None
    if prefix in _AT_MOST_WORDS or suffix in _AT_MOST_SUFFIXES:
        return None, value, None
    if suffix in ("左右", "上下"):
        return value, value, "约数"
    return value, value, None


def _detect_period(text: str) -> Period:
    match = _PERIOD_RE.search(text)
    if not match or match.lastgroup is None:
        return "month"
    found: Period = match.lastgroup  # type: ignore[assignment]
    return found


def _to_monthly(amount: float | None, period: Period) -> int | None:
    if amount is None:
        return None
    return math.floor(amount * _MONTHLY_FACTOR[period] + 0.5)


def _build(
    low: float | None,
    high: float | None,
    period: Period,
    *,
    text: str | None,
    negotiable: bool,
    note: str | None,
) -> Salary:
    if period not in _MONTHLY_FACTOR:
        return Salary(None, None, negotiable, parsed=False, text=text, note=f"unknown period {period!r}")
    monthly_low, monthly_high = _to_monthly(low, period), _to_monthly(high, period)
    if monthly_low is not None and monthly_high is not None and monthly_low > monthly_high:
        monthly_low, monthly_high = monthly_high, monthly_low
    for amount in (monthly_low, monthly_high):
        if amount is not None and not MONTHLY_MIN_PLAUSIBLE <= amount <= MONTHLY_MAX_PLAUSIBLE:
            return Salary(
                None,
                None,
                negotiable,
                parsed=False,
                text=text,
                note=f"monthly amount {amount} outside {MONTHLY_MIN_PLAUSIBLE}-{MONTHLY_MAX_PLAUSIBLE}",
            )
    return Salary(monthly_low, monthly_high, negotiable, parsed=True, text=text, note=note)
