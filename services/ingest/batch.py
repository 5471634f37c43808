"""Validate, normalise and publish a batch of records, one outcome per record.

One bad record never sinks its batch: it is answered with its field errors,
copied to the dead-letter topic for staff to inspect, and the rest go on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from shared.domain.inputs import PostingIn, SeekerIn
from shared.domain.normalise import FieldProblem, Problem, normalise_posting, normalise_seeker
from shared.domain.personal import without_personal_data
from shared.ports.event_log import TOPIC_DLQ, TOPIC_POSTINGS, TOPIC_SEEKERS, EventLog
from shared.web.http import UnparseableLine

log = logging.getLogger(__name__)

Kind = Literal["postings", "seekers"]

_INPUT_MODELS: dict[str, type[BaseModel]] = {"postings": PostingIn, "seekers": SeekerIn}
_NORMALISERS = {"postings": normalise_posting, "seekers": normalise_seeker}
TOPICS = {"postings": TOPIC_POSTINGS, "seekers": TOPIC_SEEKERS}

# pydantic error types → the stable codes we promise callers.
_ERROR_CODES = {
    "missing": "REQUIRED",
    "string_too_short": "REQUIRED",
    "string_too_long": "TOO_LONG",
    "string_pattern_mismatch": "BAD_FORMAT",
    "literal_error": "NOT_ALLOWED",
    "value_error": "INVALID",
    "greater_than_equal": "OUT_OF_RANGE",
    "less_than_equal": "OUT_OF_RANGE",
    "too_long": "TOO_MANY_ITEMS",
}


@dataclass
class RecordOutcome:
    index: int
    status: Literal["accepted", "rejected"]
    id: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)


def _problems(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        # Union members (str | object) add their type name to the path; callers know only field names.
        parts = [
            str(p) for p in err["loc"] if not (isinstance(p, str) and p in ("str", "LocationIn", "SalaryIn"))
        ]
        message = err["msg"].removeprefix("Value error, ")
        code = _ERROR_CODES.get(err["type"], "INVALID")
        problems.append(Problem(".".join(parts) or "(record)", code, message))
    return problems


def check_record(
    kind: Kind, raw: Any, *, received_at: datetime
) -> tuple[dict[str, Any] | None, RecordOutcome]:
    """Returns the normalised record (None when rejected) and its outcome; the caller sets ``index``."""
    if isinstance(raw, UnparseableLine):
        problem = Problem("(record)", "MALFORMED_JSON", f"第 {raw.line} 行不是有效的 JSON ({raw.reason})")
        return None, RecordOutcome(0, "rejected", errors=[problem.as_dict()])
    if not isinstance(raw, dict):
        problem = Problem("(record)", "NOT_AN_OBJECT", "每条记录应为 JSON 对象")
        return None, RecordOutcome(0, "rejected", errors=[problem.as_dict()])
    try:
        item = _INPUT_MODELS[kind].model_validate(raw)
        record, warnings = _NORMALISERS[kind](item, received_at=received_at)  # type: ignore[operator]
    except ValidationError as exc:
        errors = [p.as_dict() for p in _problems(exc)]
        return None, RecordOutcome(0, "rejected", id=_raw_id(raw), errors=errors)
    except FieldProblem as exc:
        return None, RecordOutcome(0, "rejected", id=_raw_id(raw), errors=[exc.problem.as_dict()])
    outcome = RecordOutcome(0, "accepted", id=record["id"], warnings=[w.as_dict() for w in warnings])
    return record, outcome


def _raw_id(raw: dict[str, Any]) -> str | None:
    source, source_id = raw.get("source"), raw.get("source_id")
    return f"{source}:{source_id}" if isinstance(source, str) and isinstance(source_id, str | int) else None


def ingest_batch(
    kind: Kind, items: list[Any], *, event_log: EventLog, received_at: datetime
) -> dict[str, Any]:
    accepted: list[tuple[str, dict[str, Any]]] = []
    rejected: list[tuple[str, dict[str, Any] | None]] = []
    outcomes: list[RecordOutcome] = []
    for index, raw in enumerate(items):
        record, outcome = check_record(kind, raw, received_at=received_at)
        outcome.index = index
        outcomes.append(outcome)
        if record is not None:
            accepted.append((record["id"], record))
        else:
            dead = {
                "kind": kind,
                "index": index,
                "errors": outcome.errors,
                "record": without_personal_data(raw) if isinstance(raw, dict) else None,
                "received_at": received_at.isoformat(),
            }
            rejected.append((outcome.id or f"{kind}#{index}", dead))
    if accepted:
        event_log.publish(TOPICS[kind], accepted)
    if rejected:
        try:
            event_log.publish(TOPIC_DLQ, rejected)
        except Exception:  # the answer already carries the errors; a DLQ outage must not fail accepted work
            log.warning("could not copy %d rejected records to %s", len(rejected), TOPIC_DLQ, exc_info=True)
    return {
        "accepted": len(accepted),
        "rejected": len(rejected),
        "results": [
            {k: v for k, v in vars(o).items() if v not in (None, []) or k in ("index", "status")}
            for o in outcomes
        ],
    }
