"""A cell's text as the value an input model takes: numbers, years, dates, yes/no, lists, region codes.

A cell a converter cannot read is passed on as written: validation then rejects the row with the field's
own code (``WRONG_TYPE``, ``BAD_FORMAT``, ``NOT_ALLOWED``), exactly as a push of that value would be.
``EMPTY`` means the cell says "no value" (不限, 若干, 长期): the field is left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from services.ingest.imports.vocabulary import closed_value
from shared.domain.regions import get_region, province_of, resolve_location


class _Empty:
    def __repr__(self) -> str:
        return "EMPTY"


EMPTY: Any = _Empty()

# Words that mean "no requirement" or "not fixed" in a number or date column.
_NO_VALUE = {
    "不限",
    "无",
    "无要求",
    "若干",
    "不详",
    "面议",
    "长期",
    "长期有效",
    "经验不限",
    "不限经验",
    "无经验",
    "-",
    "/",
    "—",
}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_MULTIPLIERS = {"万": 10_000, "千": 1_000, "k": 1_000}
_LIST_SEPARATORS = re.compile(r"[、,，;；|/\n\r\t]+|\s{1,}")
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Excel day numbers a date column may hold as a plain number: 1954-10 .. 2119-01.
_SERIAL_RANGE = (20_000, 80_000)
_DATE_PARTS = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*(?:[-/.月]\s*(?P<d>\d{1,2})\s*日?)?"
    r"(?:[\sT]+(?P<H>\d{1,2})[:：时](?P<M>\d{1,2})(?:[:：分](?P<S>\d{1,2}))?)?"
)
_COMPACT = re.compile(r"(?:19|20)\d{6}")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def folded(text: str) -> str:
    """Full-width digits, letters and punctuation as their ASCII forms; spaces around removed."""
    return unicodedata.normalize("NFKC", text).strip()


def text(value: str) -> Any:
    return value


def number(value: str, *, lowest: bool = False) -> Any:
    """``5000``, ``5000元``, ``5,000``, ``0.5万`` → the number. A range (``3000-5000``) is not one number,
    unless ``lowest`` asks for its lower end (what a seeker expects at least)."""
    cleaned = folded(value).lower().replace(",", "")
    if cleaned in _NO_VALUE:
        return EMPTY
    found = _NUMBER.findall(cleaned)
    if len(found) != 1 and not (lowest and found):
        return value
    amount = float(found[0])
    for word, factor in _MULTIPLIERS.items():
        if word in cleaned:
            amount *= factor
    return int(amount) if amount.is_integer() else amount


def at_least(value: str) -> Any:
    return number(value, lowest=True)


def count(value: str) -> Any:
    """A headcount: ``10人``, ``10-20人`` (the larger: what the employer may hire), ``若干`` (not given)."""
    cleaned = folded(value)
    if cleaned in _NO_VALUE:
        return EMPTY
    found = _NUMBER.findall(cleaned)
    if not found or any("." in part for part in found):
        return value
    return max(int(part) for part in found)


def years(value: str) -> Any:
    """Years of experience: ``3年以上``, ``1-3年`` (the lower bound: the least asked), ``不限``, ``应届``."""
    cleaned = folded(value)
    if cleaned in _NO_VALUE or cleaned in ("应届", "应届生", "无工作经验"):
        return EMPTY if cleaned in _NO_VALUE else 0
    found = _NUMBER.findall(cleaned)
    if not found:
        return value
    amount = float(found[0])
    return int(amount) if amount.is_integer() else amount


def _serial_date(amount: float) -> datetime | None:
    if _SERIAL_RANGE[0] <= amount <= _SERIAL_RANGE[1]:
        return _EXCEL_EPOCH + timedelta(days=amount)
    return None


def when(value: str) -> Any:
    """A date or a time as ISO text: ``2026/11/20``, ``2026年11月20日``, ``2026.11.20``, ``20261120``,
    ``2026-11-20 09:30``, an Excel day number (``46346``); a time without an offset stays without one
    (read as Beijing time downstream)."""
    cleaned = folded(value)
    if cleaned in _NO_VALUE:
        return EMPTY
    try:
        moment: datetime | None = _serial_date(float(cleaned))
    except ValueError:
        moment = None
    if moment is not None:
        return _iso(moment)
    if _COMPACT.fullmatch(cleaned):
        return cleaned
    found = _DATE_PARTS.fullmatch(cleaned)
    if not found or found["d"] is None:
        return value
    try:
        moment = datetime(
            int(found["y"]),
            int(found["m"]),
            int(found["d"]),
            int(found["H"] or 0),
            int(found["M"] or 0),
            int(found["S"] or 0),
        )
    except ValueError:
        return value
    return _iso(moment) if found["H"] is not None else moment.date().isoformat()


def _iso(moment: datetime) -> str:
    if moment.time() == datetime.min.time():
        return moment.date().isoformat()
    return moment.replace(microsecond=0).isoformat()


def year(value: str) -> Any:
    """A year from ``1990``, ``1990-05``, ``1990年5月``, a date, or an Excel day number."""
    cleaned = folded(value)
    if cleaned in _NO_VALUE:
        return EMPTY
    try:
        amount = float(cleaned)
    except ValueError:
        amount = 0.0
    moment = _serial_date(amount)
    if moment is not None:
        return moment.year
    found = _YEAR.findall(cleaned)
    return int(found[0]) if len(found) == 1 else value


def listed(value: str) -> Any:
    parts = [part.strip() for part in _LIST_SEPARATORS.split(value)]
    return list(dict.fromkeys(part for part in parts if part))


def closed(field: str) -> Callable[[str], Any]:
    def convert(value: str) -> Any:
        found = closed_value(field, value)
        return found if found is not None else value.strip()

    return convert


def closed_list(field: str) -> Callable[[str], Any]:
    single = closed(field)

    def convert(value: str) -> Any:
        return list(dict.fromkeys(single(part) for part in listed(value)))

    return convert


def yes_no(value: str) -> Any:
    found = closed_value("bool", value)
    return {"true": True, "false": False}.get(found or "", value)


def region(value: str) -> Any:
    """A region code as written (6 digits), or the code of the place a text names (河南省周口市 → 411600)."""
    cleaned = folded(value)
    if len(cleaned) == 6 and cleaned.isdigit():
        return cleaned
    found = resolve_location(cleaned)
    return found.code if found is not None else value


def regions(value: str) -> Any:
    return [region(part) for part in listed(value)]


def provinces(value: str) -> Any:
    """Province codes for ``target_provinces``: a city or county named there stands for its province."""
    codes = []
    for part in listed(value):
        code = region(part)
        if isinstance(code, str) and get_region(code) is not None:
            code = province_of(code)
        codes.append(code)
    return list(dict.fromkeys(codes))


def cell_text(value: Any) -> str:
    """An XLSX cell as text: a whole number without ``.0``, a date as ISO text, a bool as 是/否."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()
