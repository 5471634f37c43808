"""Dead letters for staff (README "Dead letters"): list them, replay them after a fix, discard them.

Replays and discards are audited (action ``review``, subject ``dead_letter/<id>``) before they take
effect; a letter's status and last outcome are kept in the state store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from services.ingest.dead_letters.letters import DEAD_LETTERS, LETTER_ID, labels_of
from services.ingest.dead_letters.models import (
    BulkReplayResult,
    DeadLetter,
    LetterOutcome,
    LetterPage,
    LetterQuery,
    ReplayFilter,
    ReplayResult,
)
from services.ingest.dead_letters.replay import replay
from shared.domain.normalise import now_utc
from shared.domain.problems import shown
from shared.errors import BadRequest, NotFound
from shared.ports.audit_log import AuditLog
from shared.ports.event_log import EventLog
from shared.ports.state_store import StateStore
from shared.security.principal import Principal
from shared.security.roles import Permission
from shared.settings import Settings
from shared.web.access import AccessControl, requires
from shared.web.audit import audit
from shared.web.deps import AuditLogDep, EventLogDep, SettingsDep, StateStoreDep
from shared.web.json_body import body_schema, validated_body
from shared.web.responses import BODY_ERRORS, COMMON_ERRORS, PARAMETER_ERRORS, error_responses

router = APIRouter(prefix="/v1/review/dead-letters", tags=["review"], responses=COMMON_ERRORS)

Reviewer = Annotated[Principal, Depends(requires(Permission.REVIEW))]


def _filters(query: LetterQuery | ReplayFilter) -> dict[str, str]:
    return {
        name: value
        for name in ("kind", "stage", "code", "source", "origin")
        if (value := getattr(query, name))
    }


def _letter(state: StateStore, letter_id: str) -> dict[str, Any]:
    found = state.get(DEAD_LETTERS, letter_id) if LETTER_ID.fullmatch(letter_id) else None
    if found is None:
        raise NotFound(f"死信 {shown(letter_id)} 不存在", code="DEAD_LETTER_NOT_FOUND")
    return found.doc


@router.get(
    "",
    summary="Dead letters (staff): records that failed, with why and where they came from; newest first",
    response_model=LetterPage,
    responses=PARAMETER_ERRORS,
)
def list_dead_letters(
    state: StateStoreDep, _principal: Reviewer, query: Annotated[LetterQuery, Query()]
) -> LetterPage:
    labels = _filters(query) | ({"status": query.status} if query.status else {})
    found = state.list(
        DEAD_LETTERS,
        labels=labels,
        after=query.after,
        limit=query.limit + 1,
        descending=query.order == "newest",
    )
    letters = [DeadLetter.model_validate(item.doc) for item in found[: query.limit]]
    return LetterPage(letters=letters, next=letters[-1].id if len(found) > query.limit else None)


def _record(
    state: StateStore, audit_log: AuditLog, principal: Principal, doc: dict[str, Any], outcome: LetterOutcome
) -> dict[str, Any]:
    audit(
        audit_log,
        principal,
        action="review",
        purpose=f"dead_letter_{outcome.action}",
        disclosed=[(f"dead_letter/{doc['id']}", [f"outcome:{outcome.status}"])],
    )
    if outcome.status == "accepted":
        doc["status"] = "replayed"
    elif outcome.status == "discarded":
        doc["status"] = "discarded"
    doc["outcome"] = outcome.model_dump(mode="json")
    state.put(DEAD_LETTERS, doc["id"], doc, labels=labels_of(doc))
    return doc


def _replay_one(
    doc: dict[str, Any],
    *,
    request: Request,
    state: StateStore,
    audit_log: AuditLog,
    event_log: EventLog,
    settings: Settings,
    principal: Principal,
) -> ReplayResult:
    access: AccessControl = request.app.state.access
    done = replay(
        doc,
        event_log=event_log,
        settings=settings,
        received_at=now_utc(),
        id_number_hash=access.id_numbers.hexdigest,
    )
    outcome = LetterOutcome(
        action="replay",
        status="accepted" if done.accepted else "rejected",
        record_id=done.record_id,
        errors=done.errors,
        key_id=principal.key_id,
        at=datetime.now(UTC),
    )
    doc = _record(state, audit_log, principal, doc, outcome)
    return ReplayResult(
        id=doc["id"],
        status=outcome.status,  # type: ignore[arg-type]  # replay: accepted or rejected
        record_id=done.record_id,
        errors=done.errors,
        letter_status=doc["status"],
    )


def _open(doc: dict[str, Any]) -> None:
    if doc["status"] != "open":
        raise BadRequest(
            f"死信 {doc['id']} 已{'重放' if doc['status'] == 'replayed' else '丢弃'}",
            code="DEAD_LETTER_CLOSED",
        )


@router.post(
    "/replay",
    summary="Replay the open dead letters matching a filter (at most 100), oldest first",
    response_model=BulkReplayResult,
    openapi_extra=body_schema(ReplayFilter),
    responses={**BODY_ERRORS, **error_responses(400)},
)
def replay_matching(
    body: Annotated[ReplayFilter, Depends(validated_body(ReplayFilter))],
    request: Request,
    state: StateStoreDep,
    audit_log: AuditLogDep,
    event_log: EventLogDep,
    settings: SettingsDep,
    principal: Reviewer,
) -> BulkReplayResult:
    found = state.list(DEAD_LETTERS, labels=_filters(body) | {"status": "open"}, limit=body.limit)
    results = [
        _replay_one(
            item.doc,
            request=request,
            state=state,
            audit_log=audit_log,
            event_log=event_log,
            settings=settings,
            principal=principal,
        )
        for item in found
    ]
    return BulkReplayResult(results=results)


@router.post(
    "/{letter_id}/replay",
    summary="Replay one dead letter through today's validation and normalisation",
    response_model=ReplayResult,
    responses={**error_responses(400, 404), **PARAMETER_ERRORS},
)
def replay_letter(
    letter_id: str,
    request: Request,
    state: StateStoreDep,
    audit_log: AuditLogDep,
    event_log: EventLogDep,
    settings: SettingsDep,
    principal: Reviewer,
) -> ReplayResult:
    doc = _letter(state, letter_id)
    _open(doc)
    return _replay_one(
        doc,
        request=request,
        state=state,
        audit_log=audit_log,
        event_log=event_log,
        settings=settings,
        principal=principal,
    )


@router.post(
    "/{letter_id}/discard",
    summary="Discard a dead letter: nothing to replay",
    response_model=DeadLetter,
    responses={**error_responses(400, 404), **PARAMETER_ERRORS},
)
def discard_letter(
    letter_id: str, state: StateStoreDep, audit_log: AuditLogDep, principal: Reviewer
) -> DeadLetter:
    doc = _letter(state, letter_id)
    _open(doc)
    outcome = LetterOutcome(
        action="discard",
        status="discarded",
        record_id=doc.get("record_id"),
        errors=[],
        key_id=principal.key_id,
        at=datetime.now(UTC),
    )
    return DeadLetter.model_validate(_record(state, audit_log, principal, doc, outcome))
