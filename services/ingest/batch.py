"""Validate, normalise and publish a batch of records, one outcome per record.

One bad record never sinks its batch: it is answered with its field errors,
copied to the dead-letter topic for staff to inspect, and the rest go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from services.ingest.formats.json_batch import UnparseableLine
from services.ingest.models import BatchResponse, RecordResult
from shared.domain.inputs import PostingIn, SeekerIn
from shared.domain.normalise import normalise_posting, normalise_seeker, record_id
from shared.domain.personal import dead_letter_copy
from shared.domain.problems import FieldProblem, Problem, problems_from_validation
from shared.domain.records import StoredRecord
from shared.ports.event_log import TOPIC_DLQ, TOPIC_POSTINGS, TOPIC_SEEKERS, EventLog

log = logging.getLogger(__name__)

Kind = Literal["postings", "seekers"]
TOPICS: dict[Kind, str] = {"postings": TOPIC_POSTINGS, "seekers": TOPIC_SEEKERS}


def _rejected(raw: Any, *problems: Problem) -> RecordResult:
    return RecordResult(index=0, status="rejected", id=_raw_id(raw), errors=list(problems))


IdNumberHash = Callable[[str], str]


def _no_id_number_hash(_: str) -> str:
    raise RuntimeError("a seeker's ID number reached ingest without the deployment's keyed hash")


def _normalised(
    kind: Kind, raw: dict[str, Any], received_at: datetime, id_number_hash: IdNumberHash
) -> tuple[StoredRecord, list[Problem]]:
    if kind == "postings":
        return normalise_posting(PostingIn.model_validate(raw), received_at=received_at)
    return normalise_seeker(
        SeekerIn.model_validate(raw), received_at=received_at, id_number_hash=id_number_hash
    )


def check_record(
    kind: Kind, raw: Any, *, received_at: datetime, id_number_hash: IdNumberHash = _no_id_number_hash
) -> tuple[StoredRecord | None, RecordResult]:
    """Returns the normalised record (None when rejected) and its outcome; the caller sets ``index``.

    ``id_number_hash``: the deployment's keyed hash of a seeker's ID number (``shared.security.secret``).
    """
    if isinstance(raw, UnparseableLine):
        reason = f"第 {raw.line} 行不是有效的 JSON：{raw.reason}"
        return None, _rejected(None, Problem.of("(record)", "MALFORMED_JSON", reason))
    if not isinstance(raw, dict):
        return None, _rejected(None, Problem.of("(record)", "NOT_AN_OBJECT", "每条记录应为 JSON 对象"))
    try:
        record, warnings = _normalised(kind, raw, received_at, id_number_hash)
    except ValidationError as exc:
        return None, _rejected(raw, *problems_from_validation(exc))
    except FieldProblem as exc:
        return None, _rejected(raw, exc.problem)
    except Exception:
        # A defect of ours, not the sender's: it rejects this record only, never the batch. The log names
        # the record by id (no personal data); the stack says where to fix it.
        log.exception("normalising %s record %s failed", kind, _raw_id(raw))
        return None, _rejected(raw, Problem.of("(record)", "NOT_PROCESSABLE", "这条记录无法处理，已记录待查"))
    return record, RecordResult(index=0, status="accepted", id=record.id, warnings=warnings or None)


def _raw_id(raw: Any) -> str | None:
    """The id a rejected record names, when it names a usable one (the caller matches answers by it)."""
    if not isinstance(raw, dict):
        return None
    source, source_id = raw.get("source"), raw.get("source_id")
    if not isinstance(source, str) or not isinstance(source_id, str | int) or isinstance(source_id, bool):
        return None
    candidate = record_id(source, str(source_id))
    # Text that cannot be encoded (a lone surrogate) must not reach the answer: it would fail to be written.
    return candidate if candidate.isprintable() and len(candidate) <= 200 else None


def ingest_batch(
    kind: Kind, items: list[Any], *, event_log: EventLog, received_at: datetime, id_number_hash: IdNumberHash
) -> BatchResponse:
    accepted: list[tuple[str, dict[str, Any]]] = []
    rejected: list[tuple[str, dict[str, Any]]] = []
    results: list[RecordResult] = []
    for index, raw in enumerate(items):
        record, result = check_record(kind, raw, received_at=received_at, id_number_hash=id_number_hash)
        result.index = index
        results.append(result)
        if record is not None:
            accepted.append((record.id, record.model_dump(mode="json")))
        else:
            dead = {
                "kind": kind,
                "index": index,
                "errors": [problem.model_dump() for problem in result.errors or []],
                "record": dead_letter_copy(kind, raw) if isinstance(raw, dict) else None,
                "received_at": received_at.isoformat(),
            }
            rejected.append((result.id or f"{kind}#{index}", dead))
    if accepted:
        event_log.publish(TOPICS[kind], accepted)
    if rejected:
        try:
            event_log.publish(TOPIC_DLQ, rejected)
        except Exception:  # the answer already carries the errors; a DLQ outage must not fail accepted work
            log.warning("could not copy %d rejected records to %s", len(rejected), TOPIC_DLQ, exc_info=True)
    return BatchResponse(accepted=len(accepted), rejected=len(rejected), results=results)


def stamp_source(items: list[Any], source: str) -> None:
    """A record that names no source gets the pushing key's (a partner key bound to one source): what
    the partner-exchange contract calls stamping. A record naming another source is left to
    ``sources_outside``, which refuses it."""
    for raw in items:
        if isinstance(raw, dict) and not (isinstance(raw.get("source"), str) and raw["source"].strip()):
            raw["source"] = source


def sources_outside(items: list[Any], covers: Callable[[str], bool]) -> list[tuple[int, str]]:
    """(index, source) of each record whose source ``covers`` refuses: a partner key writing another
    province's records. A record without a usable source is left to validation (it is rejected there)."""
    outside = []
    for index, raw in enumerate(items):
        source = raw.get("source") if isinstance(raw, dict) else None
        if isinstance(source, str) and source.strip() and not covers(source.strip()):
            outside.append((index, source.strip()[:64]))
    return outside
