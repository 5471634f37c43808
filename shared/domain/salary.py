"""Salary normalisation: free text and/or structured amounts to CNY per month.

Conversion to a monthly amount:

- day:   x 21.75 (the statutory average of monthly working days set by the
         labour ministry in 2008: (365 - 104 weekend days - 11 holidays) / 12)
- hour:  x 174 (21.75 days x 8 hours)
- week:  x 52 / 12
- year:  / 12
- month: unchanged

When the text holds several numbers, counts of years, ages, people, hours or days
("2024届", "18-45岁", "8小时工作制") are skipped, and an amount next to a salary label
("月薪", "工资") beats one marked with 元/k/千/万, which beats a bare number. The pay period
is the one named next to that amount ("200元一天", "每小时20"), else one named anywhere
("/天", "年薪"), else a month.

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

_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"[kw千万]"
_RANGE = (
    rf"(?P<low>{_NUMBER})\s*(?P<low_unit>{_UNIT})?\s*(?:元|块)?\s*(?:[-~—–〜]+|至|到)\s*"
    rf"(?P<high>{_NUMBER})\s*(?P<high_unit>{_UNIT})?"
)
_SINGLE = (
    r"(?P<pre>不低于|不少于|不超过|不高于|至少|最低|最少|最高|超过|高于|低于|大于|小于|多于|少于|过)?\s*"
    rf"(?P<value>{_NUMBER})\s*(?P<unit>{_UNIT})?"
    r"\s*(?:元|块)?\s*(?P<post>及以上|以上|起|\+|多|以下|以内|左右|上下)?"
)
# At each position a range is tried before a single amount, so "5000-8000" is one candidate.
_CANDIDATE_RE = re.compile(rf"{_RANGE}|{_SINGLE}")
_AT_LEAST_WORDS = frozenset(
    {"不低于", "不少于", "至少", "最低", "最少", "超过", "高于", "大于", "多于", "过"}
)
_AT_MOST_WORDS = frozenset({"不超过", "不高于", "最高", "低于", "小于", "少于"})
_AT_LEAST_SUFFIXES = frozenset({"及以上", "以上", "起", "+", "多"})
_AT_MOST_SUFFIXES = frozenset({"以下", "以内"})

# Numbers that count years, people, hours, days... rather than money: "2024年", "18-45岁",
# "8小时工作制", "做6休1". "20万年薪" is still money.
_NOT_MONEY_AFTER_RE = re.compile(r"年(?!薪)|届|级|周?岁|人|名|个|天|日(?![结薪])|号|小时|点|休|%")
_NOT_MONEY_BEFORE_RE = re.compile(r"(?:做|休)$")
_MONEY_MARK_RE = re.compile(r"[元块kw千万]")
_SALARY_LABELS = r"工资|薪资|薪酬|薪水|待遇|收入|底薪|保底|月入|到手|综合"
_SALARY_LABEL_BEFORE_RE = re.compile(rf"(?:{_SALARY_LABELS})[:为约]?$")
# An amount right after an allowance ("全勤奖200元", "餐补300") is not the pay itself.
_ALLOWANCE_BEFORE_RE = re.compile(r"(?:补贴|补助|津贴|补|奖|奖金|押金|费|提成)[:为约]?$")

# "过万" / "上万" carry no digit; give them one so the amount pattern sees "1万".
_BARE_WAN_RE = re.compile(r"(过|上|破)(?=[万w])")
_CHINESE_DIGIT_RE = re.compile(r"(?<![一二两三四五六七八九十])([一二两三四五六七八九十])(?=[千万])")
_CHINESE_DIGITS = dict(zip("一二两三四五六七八九", "1223456789", strict=True)) | {"十": "10"}
# Spoken "两千五" (2500), "一万二" / "1万2" (12000): the trailing digit counts the next lower
# unit. Not when it starts a count of time: "两千一个月" is 2000.
_TAIL_DIGIT = r"[1-9一二两三四五六七八九]"
_SPOKEN_TAIL_RE = re.compile(
    rf"(?<![\d.])(?P<lead>\d+)(?:千(?P<hundreds>{_TAIL_DIGIT})百?|万(?P<thousands>{_TAIL_DIGIT})千?)"
    r"(?![\d.十百千万]|个|天|日|月|年|周|小时|星期)"
)
_THOUSANDS_COMMA_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_SPACE_RE = re.compile(r"\s+")
# Spaces go, but two numbers a space apart ("做6休1 5000") must not become one.
_SPACE_BETWEEN_DIGITS_RE = re.compile(r"(?<=\d)\s+(?=\d)")

# Per period: labels that name it anywhere in the text ("150-220元/天 包吃住"), "every"
# phrases and "one" phrases that name it only when they touch the amount ("每天200",
# "200元一天"): "每天工作8小时，5000-6000" is a monthly wage.
_PERIOD_WORDS: dict[Period, tuple[str, str, str]] = {
    "year": (r"年薪|/年", r"每年", r"[一1]年"),
    "month": (r"月薪|/月|月入|月收入", r"每个?月", r"[一1]个月"),
    "day": (r"日薪|/天|/日|日结", r"每[天日]", r"[一1]天"),
    "hour": (r"时薪|/小时|/时|/h\b", r"每个?小时", r"[一1]个?小时"),
    "week": (r"周薪|/周|/星期", r"每周|每星期", r"[一1]个?(?:周|星期)"),
}
_PERIOD_RE = re.compile(
    "|".join(f"(?P<{period}>{labels})" for period, (labels, _, _) in _PERIOD_WORDS.items())
)
# Before the amount a "one" phrase must start a clause or follow a label: in "经验一年5000"
# the year is the experience asked for, not the pay period.
_PERIOD_BEFORE_AMOUNT: dict[Period, re.Pattern[str]] = {
    period: re.compile(
        rf"(?:{labels}|{every}|(?:^|\W|{_SALARY_LABELS})(?:{one}))(?:{_SALARY_LABELS})?[:为约]?$"
    )
    for period, (labels, every, one) in _PERIOD_WORDS.items()
}
_PERIOD_AFTER_AMOUNT: dict[Period, re.Pattern[str]] = {
    period: re.compile(rf"(?:元|块)?(?:{labels}|{every}|{one})(?!\d)")
    for period, (labels, every, one) in _PERIOD_WORDS.items()
}
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

    amount = _pick_amount(normalised)
    if amount is None:
        if negotiable:
            return Salary(None, None, negotiable=True, parsed=True, text=text, note=None)
        return Salary(None, None, negotiable=False, parsed=False, text=text, note="no amount found")

    low, high, note = _amounts(amount)
    if _BASE_PAY_RE.search(normalised):
        # Base pay is a floor: whatever comes on top is open-ended.
        high = None if high == low else high
        note = "底薪，另有提成" if _COMMISSION_RE.search(normalised) else "底薪"
    elif _COMMISSION_RE.search(normalised):
        note = "另有提成"

    detected = period or _detect_period(normalised, amount)
    return _build(low, high, detected, text=text, negotiable=negotiable, note=note)


def _normalise(text: str) -> str:
    result = unicodedata.normalize("NFKC", text).lower()
    result = _SPACE_BETWEEN_DIGITS_RE.sub(";", result)
    result = _SPACE_RE.sub("", result)
    result = _THOUSANDS_COMMA_RE.sub("", result)
    result = _CHINESE_DIGIT_RE.sub(lambda m: _CHINESE_DIGITS[m.group(1)], result)
    result = _SPOKEN_TAIL_RE.sub(_expand_spoken_tail, result)
    return _BARE_WAN_RE.sub(r"\g<1>1", result)


def _expand_spoken_tail(match: re.Match[str]) -> str:
    lead, hundreds, thousands = match.group("lead", "hundreds", "thousands")
    if hundreds:
        return str(int(lead) * 1000 + int(_CHINESE_DIGITS.get(hundreds, hundreds)) * 100)
    return str(int(lead) * 10000 + int(_CHINESE_DIGITS.get(thousands, thousands)) * 1000)


def _pick_amount(text: str) -> re.Match[str] | None:
    """The amount most likely to be the pay: labelled beats marked with a unit beats bare, a
    range beats a single amount, then the first wins."""
    candidates = [match for match in _CANDIDATE_RE.finditer(text) if _is_money(text, match)]
    return max(candidates, key=lambda match: _rank(text, match), default=None)


def _is_money(text: str, match: re.Match[str]) -> bool:
    return not (
        _NOT_MONEY_AFTER_RE.match(text, match.end()) or _NOT_MONEY_BEFORE_RE.search(text, 0, match.start())
    )


def _rank(text: str, match: re.Match[str]) -> tuple[int, bool]:
    is_range = match.group("value") is None
    if _ALLOWANCE_BEFORE_RE.search(text, 0, match.start()):
        return 0, is_range
    if _SALARY_LABEL_BEFORE_RE.search(text, 0, match.start()) or any(
        pattern.search(text, 0, match.start()) for pattern in _PERIOD_BEFORE_AMOUNT.values()
    ):
        return 3, is_range
    if _MONEY_MARK_RE.search(match.group(0) + text[match.end() : match.end() + 1]) or any(
        pattern.match(text, match.end()) for pattern in _PERIOD_AFTER_AMOUNT.values()
    ):
        return 2, is_range
    return 1, is_range


def _amounts(match: re.Match[str]) -> tuple[float | None, float | None, str | None]:
    """Return (low, high, note) in the text's own period."""
    if match.group("value") is None:
        high = float(match.group("high")) * _UNIT_FACTOR.get(match.group("high_unit") or "", 1)
        if match.group("low_unit"):
            low = float(match.group("low")) * _UNIT_FACTOR[match.group("low_unit")]
        else:
            # "1-1.5万": the unit after the range applies to both ends, unless that
            # would overshoot the upper end ("5000-1.2万").
            scaled = float(match.group("low")) * _UNIT_FACTOR.get(match.group("high_unit") or "", 1)
            low = scaled if scaled <= high else float(match.group("low"))
        return low, high, None

    value = float(match.group("value")) * _UNIT_FACTOR.get(match.group("unit") or "", 1)
    prefix, suffix = match.group("pre"), match.group("post")
    if prefix in _AT_LEAST_WORDS or suffix in _AT_LEAST_SUFFIXES:
        return value, None, None
    if prefix in _AT_MOST_WORDS or suffix in _AT_MOST_SUFFIXES:
        return None, value, None
    if suffix in ("左右", "上下"):
        return value, value, "约数"
    return value, value, None


def _detect_period(text: str, amount: re.Match[str]) -> Period:
    """The period named next to the amount, else one named anywhere, else a month."""
    for period, pattern in _PERIOD_BEFORE_AMOUNT.items():
        if pattern.search(text, 0, amount.start()):
            return period
    for period, pattern in _PERIOD_AFTER_AMOUNT.items():
        if pattern.match(text, amount.end()):
            return period
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
