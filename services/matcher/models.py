"""What the match endpoints answer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.domain.problems import Problem
from shared.web.posting_views import PostingSummary
from shared.web.seeker_views import SeekerView


class Explain(BaseModel):
    features: dict[str, float] = Field(
        description="feature → contribution to the score (weight × value); they sum to the score"
    )
    reasons: list[str] = Field(description="short Chinese reasons a kiosk can show: 同市, 持电工证 …")


class Match(BaseModel):
    posting: PostingSummary
    score: float = Field(description="out of 100")
    explain: Explain


class MatchResponse(BaseModel):
    total: int = Field(description="how many matches this answer holds (at most `limit`)")
    warnings: list[Problem] = Field(description="what was typed but could not be used")
    matches: list[Match]


class SeekerMatchResponse(MatchResponse):
    seeker_id: str


class SeekerMatch(BaseModel):
    seeker: SeekerView = Field(description="masked as the key's role requires")
    score: float = Field(description="out of 100: the same score matching gives this posting for this seeker")
    explain: Explain


class PostingMatchResponse(BaseModel):
    posting_id: str
    total: int = Field(description="how many seekers this answer holds (at most `limit`)")
    matches: list[SeekerMatch]
