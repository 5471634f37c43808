"""What the review queue of flagged postings takes and answers (``GET /v1/review/flags``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from services.search.models import REGION_PARAMETER
from shared.domain.flags import FlagKind, PostingFlag
from shared.domain.inputs import NoteText
from shared.domain.review import Decision, ReviewState
from shared.web.posting_views import RegionView

SOURCE_PARAMETER = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class ReviewFlagsQuery(BaseModel):
    kind: FlagKind | None = None
    region: Annotated[
        str | None,
        Field(
            pattern=REGION_PARAMETER, description="GB/T 2260 code: a province or city includes all below it"
        ),
    ] = None
    source: Annotated[str | None, Field(pattern=SOURCE_PARAMETER, description="the posting's source")] = None
    decision: ReviewState | None = Field(
        default=None, description="pending, upheld or dismissed; all when empty"
    )
    page: Annotated[int, Field(ge=1)] = 1
    size: Annotated[int, Field(ge=1)] = 20


class DecisionIn(BaseModel):
    decision: Decision
    note: NoteText = ""


class DecisionView(BaseModel):
    """The last decision staff made on the posting (kept even once it no longer holds)."""

    decision: Decision
    kinds: list[FlagKind] = Field(description="the flag kinds it was made on")
    key_id: str = Field(description="the API key's id that made it (never the key)")
    role: str
    at: datetime
    note: str


class FlaggedPosting(BaseModel):
    id: str
    title: str
    employer: str | None
    region: RegionView
    source: str
    status: str = Field(description="open or closed, as its source says")
    updated_at: datetime
    flags: list[PostingFlag]
    review: ReviewState = Field(
        description="the decision that holds for the posting as it is now: upheld and dismissed hold while "
        "its flag kinds are among those decided on; pending otherwise"
    )
    decision: DecisionView | None


class ReviewFlagsResponse(BaseModel):
    total: int
    page: int
    size: int
    items: list[FlaggedPosting] = Field(description="most recently updated first")
