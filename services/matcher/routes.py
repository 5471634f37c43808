"""Match API (API.md "Matching")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.matcher.matching import match_postings, match_response, profile_from_input, profile_from_seeker
from services.matcher.models import MatchResponse, SeekerMatchResponse
from shared.domain.inputs import MatchProfileIn
from shared.errors import NotFound
from shared.index.documents import stored_seeker
from shared.web.deps import PostingsIndexDep, SeekersIndexDep
from shared.web.json_body import body_schema, validated_body
from shared.web.logs import audit_profile_read
from shared.web.responses import BODY_ERRORS, COMMON_ERRORS, PARAMETER_ERRORS, error_responses, written

router = APIRouter(prefix="/v1", tags=["matching"], responses=COMMON_ERRORS)
Limit = Annotated[int, Query(ge=1, le=100)]


@router.post(
    "/match",
    summary="Rank open postings for an ad-hoc profile (kiosk walk-in)",
    response_model=MatchResponse,
    openapi_extra=body_schema(MatchProfileIn),
    responses={**BODY_ERRORS, **error_responses(400)},
)
def match_adhoc(
    body: Annotated[MatchProfileIn, Depends(validated_body(MatchProfileIn))],
    postings: PostingsIndexDep,
    limit: Limit = 20,
) -> Response:
    profile, warnings = profile_from_input(body)
    return written(match_response(match_postings(profile, postings=postings, limit=limit), warnings))


@router.get(
    "/seekers/{seeker_id}/matches",
    summary="Rank open postings for a stored seeker",
    response_model=SeekerMatchResponse,
    responses={**error_responses(404), **PARAMETER_ERRORS},
)
def match_seeker(
    seeker_id: str, request: Request, postings: PostingsIndexDep, seekers: SeekersIndexDep, limit: Limit = 20
) -> Response:
    source = seekers.get(seeker_id)
    # Every read of a stored profile is audited (DESIGN.md, data rules), found or not.
    caller = request.client.host if request.client else None
    audit_profile_read(seeker_id=seeker_id, purpose="matches", caller=caller)
    if source is None:
        raise NotFound(f"求职者 {seeker_id} 不存在", code="SEEKER_NOT_FOUND")
    result = match_response(
        match_postings(profile_from_seeker(stored_seeker(source)), postings=postings, limit=limit)
    )
    # The seeker's own record is personal data: answer with postings only.
    return written(SeekerMatchResponse(seeker_id=seeker_id, **dict(result)))
