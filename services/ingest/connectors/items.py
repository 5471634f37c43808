"""A platform's answer → items → what each item asks for: an upsert of a record, or a deletion.

The record of an upsert is shaped as PostingIn / SeekerIn reads it (the mapping applied); validating and
normalising it is the push path's work (``services.ingest.batch.check_record``), not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from services.ingest.connectors.config import JsonApiSource
from shared.domain.inputs import is_record_id
from shared.domain.normalise import as_china_time, record_id
from shared.domain.problems import Problem

MISSING: Any = object()


def value_at(data: Any, path: str | None) -> Any:
    """The value at a dotted path (a digit is a list position), or ``MISSING``."""
    if path is None:
        return MISSING
    if path == "":
        return data
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return MISSING
    return data


def _set_at(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    target[last] = value


@dataclass(frozen=True)
class Upsert:
    item: Any
    record: dict[str, Any]


@dataclass(frozen=True)
class Removal:
    item: Any
    record_id: str
    version_ms: int | None


@dataclass(frozen=True)
class BadItem:
    item: Any
    problem: Problem


Classified = Upsert | Removal | BadItem

_TIME: TypeAdapter[datetime | date] = TypeAdapter(datetime | date)


def version_ms(value: Any) -> int | None:
    """An item's version as the index compares them: ms since 1970; a number is taken as ms already."""
    if value is MISSING or value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip():
        try:
            moment = as_china_time(_TIME.validate_python(value.strip()))
        except ValidationError:
            return None
        return int(moment.timestamp() * 1000) if moment is not None else None
    return None


def items_of(body: Any, source: JsonApiSource) -> list[Any] | None:
    """The page's items; None when they are not a list (a malformed page)."""
    items = value_at(body, source.items_path)
    return items if isinstance(items, list) else None


def _mapped(record: dict[str, Any], source: JsonApiSource) -> dict[str, Any]:
    if source.mapping is None:
        mapped = dict(record)
    else:
        mapped = {}
        for ours, theirs in source.mapping.items():
            value = value_at(record, theirs)
            if value is not MISSING:
                _set_at(mapped, ours, value)
    for ours, value in source.fixed.items():
        _set_at(mapped, ours, value)
    mapped.setdefault("source", source.stamped_source)
    return mapped


def classify(item: Any, source: JsonApiSource, *, fallback_version_ms: int) -> Classified:
    """What one item asks for. ``fallback_version_ms``: a deletion's version when the item names none."""
    if not isinstance(item, dict):
        return BadItem(item, Problem.of("(record)", "NOT_AN_OBJECT", "每条记录应为 JSON 对象"))
    version = version_ms(value_at(item, source.version_path))
    deletion = source.deletion
    if deletion is not None and value_at(item, deletion.path) == deletion.equals:
        given = value_at(item, deletion.id_path)
        if isinstance(given, int) and not isinstance(given, bool):
            given = str(given)
        if not isinstance(given, str) or not given.strip():
            return BadItem(item, Problem.of(deletion.id_path, "REQUIRED", "删除记录缺少 id"))
        target = (
            given.strip() if deletion.id_is_record_id else record_id(source.stamped_source, given.strip())
        )
        if not is_record_id(target):
            return BadItem(item, Problem.of(deletion.id_path, "BAD_FORMAT", "删除记录的 id 格式不正确"))
        return Removal(item, target, version if version is not None else fallback_version_ms)
    record = value_at(item, source.record_path)
    if not isinstance(record, dict):
        where = source.record_path or "(record)"
        return BadItem(item, Problem.of(where, "NOT_AN_OBJECT", "记录应为 JSON 对象"))
    mapped = _mapped(record, source)
    if version is not None and mapped.get("updated_at") in (None, ""):
        # The item's version is its update time when the record carries none: the index's order then is
        # the platform's, and a page fetched twice is the same version twice.
        moment = datetime.fromtimestamp(version // 1000, UTC) + timedelta(milliseconds=version % 1000)
        mapped["updated_at"] = moment.isoformat()
    return Upsert(item, mapped)
