"""Match API (API.md "Matching")."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.matcher.matching import (
    PROFILE_FIELDS,
    match_response,
    profile_from_input,
    profile_from_seeker,
    run_match,
)
from services.matcher.models import (
    Explain,
    MatchResponse,
    PostingMatchResponse,
    SeekerMatch,
    SeekerMatchResponse,
)
from services.matcher.scoring import Profile
from services.matcher.seeker_matching import match_seekers
from services.matcher.widen import widen_hints
from shared.domain.inputs import MatchProfileIn
from shared.domain.problems import shown
from shared.errors import Forbidden, NotFound
from shared.index.documents import indexed_posting, stored_seeker
from shared.ports.search_index import SearchIndex
from shared.security.principal import Principal
from shared.security.roles import Permission
from shared.web.access import requires
from shared.web.audit import audit
from shared.web.deps import AuditLogDep, PostingsIndexDep, SeekersIndexDep
from shared.web.json_body import body_schema, validated_body
from shared.web.responses import BODY_ERRORS, COMMON_ERRORS, PARAMETER_ERRORS, error_responses, written
from shared.web.seeker_views import seeker_view

router = APIRouter(prefix="/v1", tags=["matching"], responses=COMMON_ERRORS)
Limit = Annotated[int, Query(ge=1, le=100)]
Stretch = Annotated[
    bool,
    Query(
        description="also offer posts whose stated minimum education or experience the seeker falls short of "
        "(2 or more years), marked `stretch` with their `shortfalls`"
    ),
]


def _matches(profile: Profile, postings: SearchIndex, *, limit: int, stretch: bool) -> MatchResponse:
    now = time.time()
    outcome = run_match(profile, postings=postings, limit=limit, now=now, stretch=stretch)
    return match_response(outcome, widen=widen_hints(profile, postings=postings, now=now))


@router.post(
    "/match",
    summary="Rank open postings for an ad-hoc profile (kiosk walk-in)",
    response_model=MatchResponse,
    openapi_extra=body_schema(MatchProfileIn),
    responses={**BODY_ERRORS, **error_responses(400)},
    dependencies=[Depends(requires(Permission.PUBLIC_READ))],
)
def match_adhoc(
    body: Annotated[MatchProfileIn, Depends(validated_body(MatchProfileIn))],
    postings: PostingsIndexDep,
    limit: Limit = 20,
) -> Response:
    profile, warnings = profile_from_input(body)
    answer = _matches(profile, postings, limit=limit, stretch=body.stretch)
    return written(answer.model_copy(update={"warnings": warnings}))


@router.get(
    "/seekers/{seeker_id}/matches",
    summary="Rank open postings for a stored seeker",
    response_model=SeekerMatchResponse,
    responses={**error_responses(404), **PARAMETER_ERRORS},
)
def match_seeker(
    seeker_id: str,
    postings: PostingsIndexDep,
    seekers: SeekersIndexDep,
    audit_log: AuditLogDep,
    principal: Annotated[Principal, Depends(requires(Permission.SEEKER_MATCHES))],
    limit: Limit = 20,
    stretch: Stretch = False,
) -> Response:
    if not principal.covers_source(seeker_id.partition(":")[0]):
        # A mobile backend bound to its platform's sources acts for that platform's users only.
        raise Forbidden(f"此密钥只能读取来源 {', '.join(sorted(principal.sources))} 下求职者的匹配")
    source = seekers.get(seeker_id)
    if source is None:
        raise NotFound(f"求职者 {shown(seeker_id)} 不存在", code="SEEKER_NOT_FOUND")
    # Every read of a stored profile is audited (DESIGN.md, data rules): the fields matching reads of it,
    # none of which is answered.
    audit(
        audit_log,
        principal,
        action="match",
        purpose="seeker_matches",
        disclosed=[(seeker_id, PROFILE_FIELDS)],
    )
    result = _matches(profile_from_seeker(stored_seeker(source)), postings, limit=limit, stretch=stretch)
    # The seeker's own record is personal data: answer with postings only.
    return written(SeekerMatchResponse(seeker_id=seeker_id, **dict(result)))


@router.get(
    "/postings/{posting_id}/matches",
    summary="Rank seekers for a vacancy (staff): masked as the key's role requires, each one audited",
    response_model=PostingMatchResponse,
    responses={**error_responses(404), **PARAMETER_ERRORS},
)
def match_vacancy(
    posting_id: str,
    postings: PostingsIndexDep,
    seekers: SeekersIndexDep,
    audit_log: AuditLogDep,
    principal: Annotated[Principal, Depends(requires(Permission.SEEKER_READ))],
    limit: Limit = 20,
    stretch: Stretch = False,
) -> Response:
    source = postings.get(posting_id)
    if source is None:
        raise NotFound(f"岗位 {shown(posting_id)} 不存在", code="POSTING_NOT_FOUND")
    ranked = match_seekers(indexed_posting(source), seekers=seekers, limit=limit, stretch=stretch)
    matches, disclosed = [], []
    for seeker, scored in ranked:
        view, fields = seeker_view(seeker, principal)
        explain = Explain(features=scored.features, reasons=scored.reasons)
        matches.append(
            SeekerMatch(
                seeker=view,
                score=scored.score,
                explain=explain,
                stretch=bool(scored.shortfalls),
                shortfalls=scored.shortfalls,
            )
        )
        disclosed.append((seeker.id, fields))
    # Every match that returns seekers is audited, one record per seeker returned.
    audit(audit_log, principal, action="match", purpose="posting_matches", disclosed=disclosed)
    return written(PostingMatchResponse(posting_id=posting_id, total=len(matches), matches=matches))
