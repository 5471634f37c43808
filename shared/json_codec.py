"""JSON in and out, the same way everywhere: request bodies, responses and event values.

Chinese text is written as is (no \\u escapes, API.md). Two inputs the
standard library turns into exceptions at the wrong moment are handled here,
once: a lone UTF-16 surrogate (legal in JSON's \\u escapes, not encodable as
UTF-8) and numbers or nesting beyond what Python converts.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

import orjson

# Longer integers are read as Decimal: they are beyond a float's range (1.8e308), and Python refuses to
# turn more than 4300 digits into an int. A number field then answers OUT_OF_RANGE for them like for any
# other too-large value, and a text field WRONG_TYPE like for any other number.
MAX_INT_DIGITS = 300


class UndecodableJSON(ValueError):
    """Text that is not JSON we can read; ``reason`` says why in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _int(digits: str) -> int | Decimal:
    return Decimal(digits) if len(digits.lstrip("-")) > MAX_INT_DIGITS else int(digits)


def _float(text: str) -> float | str:
    value = float(text)
    return value if math.isfinite(value) else text


def _no_constants(name: str) -> None:
    raise UndecodableJSON(f"{name} 不是 JSON 的值")


def loads(text: str) -> Any:
    """Parse JSON text; raises ``UndecodableJSON`` with the position of the first error."""
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise UndecodableJSON(f"第 {exc.lineno} 行第 {exc.colno} 列有误") from exc
    except RecursionError as exc:
        raise UndecodableJSON("嵌套层次过深") from exc


def decode_bytes(raw: bytes) -> str:
    """UTF-8 (a byte-order mark is allowed); raises ``UndecodableJSON`` naming the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UndecodableJSON(f"第 {exc.start + 1} 个字节不是有效的 UTF-8") from exc


def dumps_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON with Chinese as is (orjson: several times faster than the standard library).

    What orjson refuses (a lone surrogate, which UTF-8 cannot carry; an integer beyond 64 bits) is
    written by the standard library with \\u escapes instead, so every value can be answered.
    """
    try:
        return orjson.dumps(value, default=str)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(
            value, ensure_ascii=True, separators=(",", ":"), allow_nan=False, default=str
        ).encode()


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode("utf-8")


# orjson reads an integer beyond 64 bits as a float; a run of 19 digits anywhere (in a string too) sends
# the value to the standard library's reader instead, which keeps it exact.
_LONG_DIGIT_RUN = re.compile(rb"[0-9]{19}")


def loads_object(raw: bytes | str) -> dict[str, Any]:
    """A JSON object from an event value; raises ``UndecodableJSON`` for anything else.

    orjson first (a few times faster: the indexer reads every event); what it refuses or might read
    differently (see ``_LONG_DIGIT_RUN``) is read by ``loads``, so the result is the same either way.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    value: Any = None
    if not _LONG_DIGIT_RUN.search(data):
        try:
            value = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
        except orjson.JSONDecodeError:
            value = None
    if value is None:
        value = loads(decode_bytes(raw) if isinstance(raw, bytes) else raw)
    if not isinstance(value, dict):
        raise UndecodableJSON(f"应为 JSON 对象，收到 {type(value).__name__}")
    return value
