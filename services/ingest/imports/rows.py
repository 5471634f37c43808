"""One imported row (header → cell) as a record in the input models' shape: ``map_row``.

Importable on its own: the dead-letter replay re-maps a rejected row from its ``origin.raw`` once the
source's mapping is fixed. The result goes through ``check_record`` like a pushed record.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from services.ingest.imports import cells
from services.ingest.imports.fields import FIELDS, LABELLED_INTO, FieldRule
from services.ingest.imports.mapping import NO_MAPPING, ImportMapping
from services.ingest.imports.vocabulary import IGNORED, LABELLED, Kind, header_target, unit_of

_DUPLICATE_SUFFIX = re.compile(r"#\d+$")
_AS_SENT = FieldRule(cells.text)
HASHED_ID_PREFIX = "h"
"""A source_id made from the row's content (the file has no id column) starts with it."""


def header_of(key: str) -> str:
    """The header as the file shows it: a repeated header is kept as ``岗位要求#2`` in the row."""
    return _DUPLICATE_SUFFIX.sub("", key)


def target_of(header: str, *, kind: Kind, mapping: ImportMapping) -> str | None:
    """The field (``description+`` when labelled), ``-`` when dropped, None when unknown."""
    found = mapping.column_target(header) if mapping.columns else None
    if found is not None:
        return found
    target = header_target(kind, header)
    if target is None:
        return None
    return target.field + (LABELLED if target.labelled else "")


def _merged(rule: FieldRule, parts: list[Any]) -> Any:
    if rule.merge == "concat":
        joined: list[Any] = []
        for part in parts:
            joined.extend(part if isinstance(part, list) else [part])
        return list(dict.fromkeys(joined))
    if rule.merge == "lines" and all(isinstance(part, str) for part in parts):
        return "\n".join(parts)
    if rule.merge == "range" and len(parts) > 1 and all(isinstance(part, str) for part in parts):
        return "-".join(parts)
    return parts[0]


def _with_unit(value: str, unit: str | None) -> str:
    # 薪资（元/天） with cells of bare amounts: the unit is in the header, the parser needs it in the text.
    return value + unit if unit and not re.search(r"[元/月年天日时周kK万千]", value) else value


def map_row(raw: Mapping[str, Any], *, kind: Kind, mapping: ImportMapping = NO_MAPPING) -> dict[str, Any]:
    """``raw``: header → cell (text; an NDJSON object's values as sent). Unknown headers are dropped."""
    rules = FIELDS[kind]
    own_shape = {field.partition(".")[0] for field in rules}
    found: dict[str, list[Any]] = {}
    labelled: list[str] = []
    units: dict[str, str] = {}
    for key, value in raw.items():
        header = header_of(str(key))
        if header in own_shape and not isinstance(value, str) and value is not None:
            found.setdefault(header, []).append(value)  # NDJSON in our own shape (lists, objects, numbers)
            continue
        target = target_of(header, kind=kind, mapping=mapping)
        if target is None or target == IGNORED or value is None:
            continue
        text = value if isinstance(value, str) else cells.cell_text(value)
        if not text.strip():
            continue
        if target.endswith(LABELLED):
            labelled.append(f"{header}：{text.strip()}")
            continue
        rule = rules.get(target)
        if rule is None:
            continue  # a mapping written for the other kind
        converted = rule.convert(text.strip())
        if converted is cells.EMPTY:
            continue
        unit = unit_of(header)
        if target.startswith("salary") and unit:
            units[target] = unit
        found.setdefault(target, []).append(converted)
    merged = {field: _merged(rules.get(field, _AS_SENT), parts) for field, parts in found.items()}
    if "salary" in merged and isinstance(merged["salary"], str):
        merged["salary"] = _with_unit(merged["salary"], units.get("salary"))
    if ("salary.min" in merged or "salary.max" in merged) and "salary.period" not in merged:
        unit = units.get("salary.min") or units.get("salary.max")
        period = cells.closed("salary.period")(unit) if unit else None
        if period:
            merged["salary.period"] = period
    if labelled:
        into = LABELLED_INTO[kind]
        existing = [merged[into]] if isinstance(merged.get(into), str) else []
        merged[into] = "\n".join(existing + labelled)
    for field, value in mapping.values.items():
        if field in rules and field not in merged:
            merged[field] = value
    if mapping.source:
        merged["source"] = mapping.source  # the import's source, whatever a column of the file claims
    record = _nested(merged)
    if "source_id" not in record:
        record["source_id"] = _source_id(raw, record, mapping)
    return record


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for field, value in flat.items():
        parent, dot, child = field.partition(".")
        if not dot:
            if isinstance(record.get(parent), dict) and isinstance(value, str):
                record[parent]["text"] = value  # salary text beside salary.min / salary.max
            else:
                record[parent] = value
            continue
        holder = record.get(parent)
        if isinstance(holder, str):
            holder = {"text": holder}
        elif not isinstance(holder, dict):
            holder = {}
        holder[child] = value
        record[parent] = holder
    return record


def _source_id(raw: Mapping[str, Any], record: dict[str, Any], mapping: ImportMapping) -> str:
    """The mapping's id columns joined, else a hash of the mapped content (the same row twice: one record)."""
    if mapping.id_columns:
        by_header = {header_of(str(key)): value for key, value in raw.items()}
        parts = [cells.cell_text(by_header.get(column)) for column in mapping.id_columns]
        if all(parts):
            return "-".join(part.strip() for part in parts)
    content = {field: value for field, value in record.items() if field not in ("source", "source_id")}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return HASHED_ID_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]
