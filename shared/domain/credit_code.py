"""Unified social credit code (统一社会信用代码, GB 32100-2015).

Layout of the 18 characters:

- 1: registration authority (1 机构编制, 5 民政, 9 工商/市场监管, Y 其他, ...)
- 2: institution category within that authority (a digit 1-9)
- 3-8: administrative region code (GB/T 2260, six digits)
- 9-17: organisation code (GB 11714)
- 18: check character

The alphabet is 0-9 and A-Y without I, O, S, V, Z (31 characters); each
character's value is its index. Weights are 3^i mod 31; the check value is
(31 - weighted sum mod 31) mod 31.

Input is normalised before checking: surrounding whitespace is stripped,
full-width characters are folded (NFKC) and letters are upper-cased, so
"91350100m000100y43" is valid. Store ``normalize_credit_code(code)``.
"""

from __future__ import annotations

import re
import unicodedata

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_LENGTH = 18
_VALUE = {char: index for index, char in enumerate(CHARSET)}
_WEIGHTS = tuple(pow(3, position, 31) for position in range(CODE_LENGTH - 1))
_REGISTRATION_AUTHORITIES = frozenset("123456789ANY")
_CATEGORY_RE = re.compile(r"[1-9]")
_REGION_RE = re.compile(r"\d{6}")


def normalize_credit_code(code: str) -> str:
    return unicodedata.normalize("NFKC", code).strip().upper()


def _check_char(body17: str) -> str:
    weighted_sum = sum(_VALUE[char] * weight for char, weight in zip(body17, _WEIGHTS))
    return CHARSET[(31 - weighted_sum % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """None when valid, else one of: "length", "charset", "authority", "category", "region", "checksum"."""
    normalised = normalize_credit_code(code)
    if len(normalised) != CODE_LENGTH:
        return "length"
    if any(char not in _VALUE for char in normalised):
        return "charset"
    if normalised[0] not in _REGISTRATION_AUTHORITIES:
        return "authority"
    if not _CATEGORY_RE.fullmatch(normalised[1]):
        return "category"
    if not _REGION_RE.fullmatch(normalised[2:8]):
        return "region"
    if _check_char(normalised[:17]) != normalised[17]:
        return "checksum"
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_error(code) is None


def make_credit_code(body17: str) -> str:
    """Append the check character to a 17-character body (upper-cased)."""
    body = normalize_credit_code(body17)
    if len(body) != CODE_LENGTH - 1 or any(char not in _VALUE for char in body):
        raise ValueError(f"credit code body must be 17 characters from {CHARSET}: {body17!r}")
    return body + _check_char(body)
