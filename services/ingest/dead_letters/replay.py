"""Replaying a dead letter: its payload through today's validation and normalisation, then published.

What is replayed: for an import row, the raw row through the import's mapping as it is now (a fixed
mapping makes the row import); otherwise the record the letter kept, a pushed record or, for a letter of
the indexing consumer, the stored record it could not use, normalised again (which re-publishes it). A
seeker's letter keeps no profile, only its identifiers and field names (personal information as a whole,
and the topic is never compacted), so it cannot be replayed: it answers PAYLOAD_SCRUBBED, and the record
is sent again from its source. Fields scrubbed from a payload, marked ``(removed)``, stay missing in
the replayed record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.ingest.batch import TOPICS, Kind, check_record
from services.ingest.imports.mapping import load_mapping, mappings_dir
from services.ingest.imports.rows import map_row
from shared.domain.problems import Problem
from shared.errors import JobmatchError
from shared.ports.event_log import EventLog
from shared.settings import Settings

REMOVED = "(removed)"


class NotReplayable(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.problem = Problem.of("(record)", code, message)


@dataclass(frozen=True)
class Replayed:
    accepted: bool
    record_id: str | None
    errors: list[Problem]


def import_payload(origin: dict[str, Any], kind: Kind, settings: Settings) -> dict[str, Any]:
    """The raw row through the import's mapping as it stands now (a fixed mapping file makes it import)."""
    raw = origin.get("raw")
    if not isinstance(raw, dict) or "fields_present" in raw:
        raise NotReplayable("PAYLOAD_SCRUBBED", "这一行的内容未保留（含个人信息），请重新导入")
    name = origin.get("mapping")
    try:
        mapping = load_mapping(
            name if isinstance(name, str) else None,
            directory=mappings_dir(settings.import_mappings_dir),
            kind=kind,
        )
    except JobmatchError as exc:
        raise NotReplayable(exc.code, exc.message) from None
    source = origin.get("source")
    kept = {header: cell for header, cell in raw.items() if cell != REMOVED}
    return map_row(kept, kind=kind, mapping=mapping.with_source(source if isinstance(source, str) else None))


def payload_of(letter: dict[str, Any], settings: Settings) -> tuple[Kind, dict[str, Any]]:
    kind = letter.get("kind")
    if kind not in TOPICS:
        raise NotReplayable("NOTHING_TO_REPLAY", "信件不属于岗位或求职者")
    origin = letter.get("origin") or {}
    if origin.get("type") == "import":
        return kind, import_payload(origin, kind, settings)
    payload = letter.get("payload")
    if not isinstance(payload, dict):
        raise NotReplayable("NOTHING_TO_REPLAY", "信件未保留记录内容")
    if "fields_present" in payload:
        raise NotReplayable("PAYLOAD_SCRUBBED", "求职者记录含个人信息，未保留内容；请从来源重新提交")
    return kind, {field: value for field, value in payload.items() if value != REMOVED}


def replay(
    letter: dict[str, Any],
    *,
    event_log: EventLog,
    settings: Settings,
    received_at: datetime,
    id_number_hash: Callable[[str], str],
) -> Replayed:
    try:
        kind, payload = payload_of(letter, settings)
    except NotReplayable as exc:
        return Replayed(accepted=False, record_id=letter.get("record_id"), errors=[exc.problem])
    record, result = check_record(kind, payload, received_at=received_at, id_number_hash=id_number_hash)
    if record is None:
        return Replayed(accepted=False, record_id=result.id, errors=list(result.errors or []))
    event_log.publish(TOPICS[kind], [(record.id, record.model_dump(mode="json"))])
    return Replayed(accepted=True, record_id=record.id, errors=[])
