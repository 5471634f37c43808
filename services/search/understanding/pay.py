"""Pay phrases typed in a search box (月薪8000以上, 8k, 工资5000-7000, 日薪200, 年薪10万) → monthly amounts.

The phrase is found here; what it is worth per month is ``shared.domain.salary.parse_salary``'s answer, the
same conversion postings get (21.75 days, 174 hours a month). A phrase is: an optional label, an amount or a
range, then an optional 元/块, period and bound, in the forms of the tables below. It counts as pay only when
something besides the digits says so (a label, a unit such as k or 万, 元, a period, 以上 or +): a bare number
(「8000」, 「2024」, 「5000-7000」) may be a model, a year or a count, so it stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.domain.salary import Period, parse_salary
from shared.text.alternation import longest_first

# Words before the amount that make it pay, and the period each names (None: the period is said elsewhere, or
# it is a month).
LABELS: dict[str, Period | None] = {
    **dict.fromkeys(("月薪", "月工资", "月收入", "月入", "每月", "每个月", "一个月"), "month"),
    **dict.fromkeys(("日薪", "日工资", "每天", "一天"), "day"),
    **dict.fromkeys(("时薪", "每小时", "一小时", "一个小时"), "hour"),
    **dict.fromkeys(("周薪", "每周"), "week"),
    **dict.fromkeys(("年薪", "年收入", "每年"), "year"),
    **dict.fromkeys(("工资", "薪资", "薪水", "薪酬", "底薪", "收入", "待遇", "到手", "保底", "综合"), None),
}
# Periods written after the amount.
AFTER_PERIODS: dict[str, Period] = {
    **dict.fromkeys(("/月", "每月", "一个月", "1个月"), "month"),
    **dict.fromkeys(("/天", "/日", "每天", "一天", "1天"), "day"),
    **dict.fromkeys(("/小时", "/时", "/h", "每小时", "一小时", "1小时"), "hour"),
    **dict.fromkeys(("/周", "每周"), "week"),
    **dict.fromkeys(("/年", "每年", "一年"), "year"),
}
AT_LEAST = ("及以上", "或以上", "以上", "起", "+", "多")
AT_MOST = ("及以下", "以下", "以内")
ABOUT = ("左右", "上下")
MONEY_MARKS = ("元", "块")
RANGE_SEPARATORS = ("-", "~", "—", "–", "〜", "至", "到")

_DIGITS = r"\d+(?:\.\d+)?\s?[kw千万]?"
# Spoken amounts: 八千, 五千五, 一万二, 十万; 过万/上万/破万 ("more than ten thousand").
_SPOKEN = r"[一二两三四五六七八九十][千万][一二两三四五六七八九]?|[过上破]万"
_AMOUNT = rf"(?:{_DIGITS}|{_SPOKEN})"


_PHRASE = re.compile(
    rf"(?<![a-z0-9.])(?P<label>{longest_first(LABELS)})?[:为约]?\s?"
    rf"(?P<amount>{_AMOUNT}(?:\s?(?:{longest_first(MONEY_MARKS)})?\s?(?:{longest_first(RANGE_SEPARATORS)})\s?{_AMOUNT})?)"
    rf"\s?(?P<mark>{longest_first(MONEY_MARKS)})?"
    rf"(?P<after>{longest_first(AFTER_PERIODS)})?"
    rf"(?P<bound>{longest_first(AT_LEAST + AT_MOST + ABOUT)})?"
    rf"(?P<mark2>{longest_first(MONEY_MARKS)})?"
    rf"(?P<after2>{longest_first(AFTER_PERIODS)})?"
)
# What follows a number that counts something else: 8小时, 5年, 10万公里, 2000人.
_NOT_MONEY_AFTER = re.compile(
    r"[a-z0-9]|年(?!薪)|届|级|周?岁|人|名|个(?!月)|天|日(?![结薪])|号|小时|点|休|%|公里|米|吨|平|台|件|次|斤|克|倍|套|位"
)
_UNIT_IN_AMOUNT = re.compile(r"[kw千万]")


@dataclass(frozen=True)
class PayReading:
    start: int
    end: int
    text: str
    """The phrase as typed (normalised)."""
    salary_min: int | None
    """CNY per month: posts whose pay reaches it."""
    salary_max: int | None
    """CNY per month: posts whose pay starts at or below it."""
    period: Period


def read_pay(text: str) -> PayReading | None:
    """The first pay phrase in normalised ``text`` (``shared.text.pipeline.normalize``), or None."""
    for match in _PHRASE.finditer(text):
        if not match.group("amount") or _NOT_MONEY_AFTER.match(text, match.end()):
            continue
        reading = _reading(match)
        if reading is not None:
            return reading
    return None


def _reading(match: re.Match[str]) -> PayReading | None:
    label, amount, bound = match.group("label"), match.group("amount"), match.group("bound")
    after = match.group("after") or match.group("after2")
    marked = match.group("mark") or match.group("mark2")
    spoken = not amount[0].isdigit()
    if not (label or after or bound or marked or spoken or _UNIT_IN_AMOUNT.search(amount)):
        return None  # a bare number or range
    phrase = match.group(0).strip()
    period: Period = (LABELS.get(label) if label else None) or (AFTER_PERIODS[after] if after else "month")
    salary = parse_salary(phrase)
    if not salary.parsed or (salary.min is None and salary.max is None):
        return None
    low, high = salary.min, salary.max
    if bound in ABOUT:
        pass  # about this much: posts whose range holds it
    elif bound in AT_MOST:
        low = None
    elif low is not None and low == high:
        high = None  # 8k: at least that much, a post paying more is welcome
    whole = match.group(0)
    start = match.start() + len(whole) - len(whole.lstrip())
    return PayReading(start, start + len(phrase), phrase, low, high, period)
