"""What the match endpoints answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from services.matcher.gate import GateState
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
    stretch: bool = Field(
        description="a stretch post: it asks for more than the seeker has (only when stretch posts were asked for)"
    )
    shortfalls: list[str] = Field(
        description="what a stretch post asks for beyond the seeker: 学历要求高于您的学历 …; empty otherwise"
    )


class RequirementsGate(BaseModel):
    """How the hard-requirements gate treated this profile.

    ``applied``: posts asking for more education than the seeker's, or for 2 or more years of experience
    beyond theirs, are not offered; ``unknown``: the profile does not say, so nothing is held against it;
    ``stretch``: stretch posts were asked for, so such posts are offered with ``stretch: true``.
    """

    education: GateState
    experience: GateState


class Relaxed(BaseModel):
    """A widening made because the profile's own words found fewer than a few posts."""

    kind: Literal["occupation"]
    level: Literal["minor", "middle"] = Field(description="the GB/T 6565 group widened to")
    code: str = Field(description="its code (6-31-01, 6-31)")
    name: str | None = Field(description="its name")
    added: int = Field(description="how many posts the widening added")
    text: str = Field(description="what a kiosk can show: 已放宽到同类职业「家政服务人员」")


class WidenHint(BaseModel):
    """One concrete change to the profile and how many more fitting open posts it would bring."""

    kind: Literal["certificate", "place", "education", "salary"]
    value: str = Field(description="the certificate, region code, education level or monthly pay (CNY)")
    count: int = Field(description="open posts that fit the profile with the change and do not without it")
    text: str = Field(description="持叉车证可多匹配 12 个岗位; 愿意到苏州可多 8 个 …")


class MatchResponse(BaseModel):
    total: int = Field(description="how many matches this answer holds (at most `limit`)")
    warnings: list[Problem] = Field(description="what was typed but could not be used")
    matches: list[Match]
    gate: RequirementsGate
    relaxed: list[Relaxed] = Field(description="how retrieval was widened; empty when it was not")
    widen: list[WidenHint] = Field(description="up to three changes that would bring the most more posts")


class SeekerMatchResponse(MatchResponse):
    seeker_id: str


class SeekerMatch(BaseModel):
    seeker: SeekerView = Field(description="masked as the key's role requires")
    score: float = Field(description="out of 100: the same score matching gives this posting for this seeker")
    explain: Explain
    stretch: bool = Field(description="the seeker falls short of the post's stated minimum requirements")
    shortfalls: list[str] = Field(description="how, from the seeker's side: 学历要求高于您的学历 …")


class PostingMatchResponse(BaseModel):
    posting_id: str
    total: int = Field(description="how many seekers this answer holds (at most `limit`)")
    matches: list[SeekerMatch]
