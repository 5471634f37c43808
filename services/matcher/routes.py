"""Match API (API.md "Matching")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from services.matcher.matching import match_output, match_postings, profile_from_input, profile_from_seeker
from shared.domain.inputs import MatchProfileIn
from shared.errors import NotFound
from shared.runtime import Runtime, get_runtime
from shared.web.logs import audit_profile_read

router = APIRouter(prefix="/v1", tags=["matching"])
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.post("/match", summary="Rank open postings for an ad-hoc profile (kiosk walk-in)")
def match_adhoc(body: MatchProfileIn, runtime: RuntimeDep, limit: Limit = 20) -> dict[str, Any]:
    assert runtime.postings is not None
    profile, warnings = profile_from_input(body)
    return match_output(match_postings(profile, postings=runtime.postings, limit=limit), warnings)


@router.get("/seekers/{seeker_id}/matches", summary="Rank open postings for a stored seeker")
def match_seeker(seeker_id: str, request: Request, runtime: RuntimeDep, limit: Limit = 20) -> dict[str, Any]:
    assert runtime.postings is not None and runtime.seekers is not None
    record = runtime.seekers.get(seeker_id)
    # Every read of a stored profile is audited (DESIGN.md, data rules), found or not.
    caller = request.client.host if request.client else None
    audit_profile_read(seeker_id=seeker_id, purpose="matches", caller=caller)
    if record is None:
        raise NotFound(f"求职者 {seeker_id} 不存在", code="SEEKER_NOT_FOUND")
    result = match_output(match_postings(profile_from_seeker(record), postings=runtime.postings, limit=limit))
    # The seeker's own record is personal data: answer with postings only.
    return {"seeker_id": seeker_id, **result}
