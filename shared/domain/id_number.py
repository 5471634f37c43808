"""Resident identity card numbers (GB 11643-1999) and masking of personal fields.

An ID number is 6 digits of region (GB/T 2260), 8 of birth date, 3 of
sequence (odd for men, even for women) and a check character. Weights are
2^(17-i) mod 11; the check character is "10X98765432"[weighted sum mod 11].
A lower-case "x" is accepted. 15-digit numbers from before 1999 carry no
check digit and are refused with "length".
"""

from __future__ import annotations

import re
from datetime import date

ID_LENGTH = 18
_WEIGHTS = tuple(pow(2, 17 - position, 11) for position in range(ID_LENGTH - 1))
_CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"\d{17}[\dX]")
_PHONE_SEPARATORS_RE = re.compile(r"[\s-]")
_EARLIEST_BIRTH_YEAR = 1900
# GB/T 2260 province-level prefixes; 83 is used on residence permits for Taiwan residents.
_PROVINCE_CODES = (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55))
_PROVINCE_PREFIXES = frozenset(str(code) for code in (*_PROVINCE_CODES, *range(61, 66), 71, 81, 82, 83))

# Two-character surnames stay whole when a name is masked (欧阳娜娜 -> 欧阳*娜).
_COMPOUND_SURNAME_LIST = (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 独孤 南宫 西门 "
    "申屠 闻人 万俟 澹台 公冶 宗政 濮阳 淳于 单于 太叔 仲孙 钟离 呼延 赫连 百里 东郭 拓跋 司空"
)
_COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAME_LIST.split())


def _check_char(body17: str) -> str:
    return _CHECK_CHARS[sum(int(digit) * weight for digit, weight in zip(body17, _WEIGHTS)) % 11]


def _birth_date(yyyymmdd: str) -> date | None:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return born if _EARLIEST_BIRTH_YEAR <= born.year and born <= date.today() else None


def id_number_error(number: str) -> str | None:
    """None when valid, else one of: "length", "charset", "region", "birth_date", "checksum"."""
    normalised = number.strip().upper()
    if len(normalised) != ID_LENGTH:
        return "length"
    if not _ID_RE.fullmatch(normalised):
        return "charset"
    if normalised[:2] not in _PROVINCE_PREFIXES:
        return "region"
    if _birth_date(normalised[6:14]) is None:
        return "birth_date"
    if _check_char(normalised[:17]) != normalised[17]:
        return "checksum"
    return None


def is_valid_id_number(number: str) -> bool:
    return id_number_error(number) is None


def make_id_number(region6: str, birth_date_yyyymmdd: str, seq3: str) -> str:
    """Build a valid 18-character ID number; used to generate demo data."""
    body = f"{region6}{birth_date_yyyymmdd}{seq3}"
    if not (len(region6) == 6 and len(birth_date_yyyymmdd) == 8 and len(seq3) == 3 and body.isdigit()):
        raise ValueError(f"expected 6-digit region, 8-digit date, 3-digit sequence: {body!r}")
    if _birth_date(birth_date_yyyymmdd) is None:
        raise ValueError(f"not a plausible birth date: {birth_date_yyyymmdd!r}")
    return body + _check_char(body)


def mask_id_number(number: str) -> str:
    """Keep the first 3 and last 2 characters: 11010519491231002X -> 110*************2X."""
    stripped = number.strip()
    if len(stripped) <= 5:
        return "*" * len(stripped)
    return stripped[:3] + "*" * (len(stripped) - 5) + stripped[-2:]


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits: 13812345678 -> 138****5678."""
    compact = _PHONE_SEPARATORS_RE.sub("", phone)
    if len(compact) <= 7:
        return "*" * max(len(compact) - 2, 0) + compact[-2:]
    return compact[:3] + "*" * (len(compact) - 7) + compact[-4:]


def mask_name(name: str) -> str:
    """Keep the surname and, of a given name of two or more characters, its last: 王小芝 -> 王*芝.

    张三 -> 张*, 欧阳修 -> 欧阳*, 欧阳娜娜 -> 欧阳*娜, 王小明明 -> 王**明; a one-character name is fully
    masked. A name with a separator (阿依古丽·买买提, John Smith) keeps its first and last characters
    and its separators.
    """
    stripped = name.strip()
    if len(stripped) <= 1:
        return "*" * len(stripped)
    if any(separator in stripped for separator in _NAME_SEPARATORS):
        inner = "".join(char if char in _NAME_SEPARATORS else "*" for char in stripped[1:-1])
        return stripped[0] + inner + stripped[-1]
    surname = 2 if stripped[:2] in _COMPOUND_SURNAMES and len(stripped) > 2 else 1
    given = stripped[surname:]
    if len(given) == 1:
        return stripped[:surname] + "*"
    return stripped[:surname] + "*" * (len(given) - 1) + given[-1]


_NAME_SEPARATORS = frozenset("·•・. ")
