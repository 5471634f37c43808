"""Finding the header row of a sheet: the first row, within the first few, where enough cells name fields.

Rows above it (a title, a date, a note) are skipped; their numbers still count, so a rejected row is
named by the number the file shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.ingest.imports.mapping import ImportMapping
from services.ingest.imports.rows import target_of
from services.ingest.imports.vocabulary import IGNORED, LABELLED, Kind

HEADER_SCAN_ROWS = 30
_MIN_FIELDS = 2
# Of the filled cells, at least this share must name a field (or a known column to drop): a title row
# or a data row that happens to hold a word such as 电工 does not pass.
_MIN_SHARE = 1 / 3
_REQUIRED: dict[Kind, str | None] = {"postings": "title", "seekers": None}


def fields_named(values: Sequence[str], *, kind: Kind, mapping: ImportMapping) -> list[str | None]:
    return [target_of(value, kind=kind, mapping=mapping) if value.strip() else None for value in values]


def is_header(values: Sequence[str], *, kind: Kind, mapping: ImportMapping) -> bool:
    filled = [value for value in values if value.strip()]
    targets = [target for target in fields_named(values, kind=kind, mapping=mapping) if target]
    fields = {target.removesuffix(LABELLED) for target in targets if target != IGNORED}
    required = _REQUIRED[kind]
    return (
        len(fields) >= _MIN_FIELDS
        and len(targets) >= len(filled) * _MIN_SHARE
        and (required is None or required in fields)
    )


def column_keys(values: Sequence[str]) -> list[str]:
    """One key per column: the header as written, ``#2`` … after a repeated one, ``列N`` for a blank one."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for index, value in enumerate(values, start=1):
        name = " ".join(value.split()) or f"列{index}"
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return keys
