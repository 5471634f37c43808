"""Dead letters as staff see them, made from the ``ingest.dlq`` topic's events.

Three writers put letters on the topic: a push batch (``services.ingest.batch``), an import or a
connector (the same shape with an ``origin``), and the indexing consumer (``services.search.consumer``:
its stage and where the record sat). ``letter_doc`` turns each into one document of kind
``dead_letters`` in the state store, keyed by its id: the append time then the topic position
(``1764632400000-0-000000000042``), so keys sort newest last and the id is stable. The payload kept is
what the writer kept (``shared.domain.personal.dead_letter_copy``: a seeker's identifiers and field names
only); a seeker's raw import row or platform item is cut to its field names here too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

from shared.domain.inputs import is_record_id
from shared.ports.event_log import TOPIC_DLQ, Event

DEAD_LETTERS = "dead_letters"
"""The state-store kind."""
LETTER_ID = re.compile(r"^\d{13}-\d{1,5}-\d{12}$")
Status = Literal["open", "replayed", "discarded"]
CONSUMER_STAGES = {
    "decode": "MALFORMED_JSON",
    "validate": "INVALID",
    "document": "NOT_PROCESSABLE",
    "index": "INDEX_REFUSED",
}
"""The indexing consumer's stages, and the code a letter of that stage answers when it names none."""


def letter_id(event: Event) -> str:
    ms = event.timestamp_ms if event.timestamp_ms is not None else 0
    return f"{ms:013d}-{event.partition}-{event.offset:012d}"


def _seeker_raw(raw: Any) -> Any:
    if isinstance(raw, dict) and "fields_present" not in raw:
        return {"fields_present": sorted(str(field) for field in raw)[:100]}
    return raw


def _errors(value: dict[str, Any], stage: str) -> list[dict[str, Any]]:
    if isinstance(value.get("errors"), list):
        return [e for e in value["errors"] if isinstance(e, dict)]
    details = [d for d in value.get("details") or [] if isinstance(d, dict) and "code" in d]
    if details:
        return details
    message = str(value.get("error") or "")
    return [{"field": "(record)", "code": CONSUMER_STAGES.get(stage, "NOT_PROCESSABLE"), "message": message}]


def letter_doc(event: Event) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The letter's id, its document and the labels the listing filters on."""
    key = letter_id(event)
    at = datetime.fromtimestamp((event.timestamp_ms or 0) / 1000, UTC).isoformat()
    position = {"topic": TOPIC_DLQ, "partition": event.partition, "offset": event.offset}
    value = event.value
    if value is None:
        doc: dict[str, Any] = {
            "id": key,
            "at": at,
            "kind": None,
            "stage": "decode",
            "origin": {"type": "unknown"},
            "errors": [
                {"field": "(record)", "code": "MALFORMED_JSON", "message": event.undecodable or "空信件"}
            ],
            "payload": None,
            "source": None,
            "record_id": None,
            "position": position,
            "record_position": None,
        }
    else:
        consumer_letter = value.get("stage") in CONSUMER_STAGES and "topic" in value
        stage = str(value["stage"]) if consumer_letter else "normalise"
        kind = value.get("kind") if value.get("kind") in ("postings", "seekers") else None
        origin = dict(value["origin"]) if isinstance(value.get("origin"), dict) else None
        if origin is None:
            origin = {"type": "consumer" if consumer_letter else "push"}
        if kind == "seekers" and "raw" in origin:
            origin["raw"] = _seeker_raw(origin["raw"])
        payload = value.get("record") if isinstance(value.get("record"), dict) else None
        record_id = event.key if is_record_id(event.key) else None
        source = (payload or {}).get("source") or origin.get("source")
        if not isinstance(source, str) and record_id:
            source = record_id.partition(":")[0]
        doc = {
            "id": key,
            "at": at,
            "kind": kind,
            "stage": stage,
            "origin": origin,
            "errors": _errors(value, stage),
            "payload": payload,
            "source": source if isinstance(source, str) else None,
            "record_id": record_id,
            "position": position,
            "record_position": {k: value.get(k) for k in ("topic", "partition", "offset")}
            if consumer_letter
            else None,
        }
    doc |= {"status": "open", "outcome": None}
    return key, doc, labels_of(doc)


def labels_of(doc: dict[str, Any]) -> dict[str, str]:
    codes = [str(e.get("code")) for e in doc["errors"] if e.get("code")]
    return {
        "kind": doc["kind"] or "",
        "stage": doc["stage"],
        "origin": str(doc["origin"].get("type", "")),
        "code": codes[0] if codes else "",
        "source": doc["source"] or "",
        "status": doc["status"],
    }
