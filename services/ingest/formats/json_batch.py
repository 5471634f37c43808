"""A batch as JSON (an array of records, or one object) or NDJSON (one record per line).

A malformed NDJSON line is a bad record, not a bad batch: it comes back as an
``UnparseableLine`` so the caller rejects just that line. A JSON array that
does not parse cannot be split into records, so it fails the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.json_codec import UndecodableJSON, loads
from shared.web.json_body import BodyFormat, body_text, not_a_body, parse_json


@dataclass(frozen=True)
class UnparseableLine:
    line: int
    reason: str


def parse_batch(body: bytes, body_format: BodyFormat) -> list[Any]:
    text = body_text(body)
    if body_format == "ndjson":
        items: list[Any] = []
        # Lines end at \n only (a \r before it is dropped): str.splitlines would also split at U+2028 and
        # others, which JSON allows unescaped inside a string.
        newline = "\n" if "\n" in text or "\r" not in text else "\r"  # a file with old-Mac line ends
        for number, line in enumerate(text.split(newline), start=1):
            line = line.removesuffix("\r")
            if not line.strip():
                continue
            try:
                items.append(loads(line))
            except UndecodableJSON as exc:
                items.append(UnparseableLine(number, exc.reason))
        return items
    parsed = parse_json(text)
    if isinstance(parsed, dict):
        return [parsed]
    if not isinstance(parsed, list):
        raise not_a_body("应为 JSON 数组或对象")
    return parsed
