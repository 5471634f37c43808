"""The hard-requirements gate: posts whose stated minimum the seeker plainly fails are not offered.

A post is gated out when it asks for more education than the seeker has, or for at least
``EXPERIENCE_GAP_YEARS`` more years of experience. What the seeker did not say is not held against them:
an unknown education or experience gates nothing. Asking for stretch posts lifts the gate, and each such
post then carries its shortfalls. The gate is applied as index filters, so the candidates retrieval
returns are already the admissible ones and the top N is never emptied by filtering afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from shared.domain.education import EDUCATION_LEVELS, education_rank, parse_education
from shared.index.fields import PostingField
from shared.ports.search_index import Filter, Not, Range

if TYPE_CHECKING:
    from services.matcher.scoring import Profile
    from shared.index.documents import IndexedPosting

EXPERIENCE_GAP_YEARS = 2.0
EDUCATION_SHORTFALL = "学历要求高于您的学历"

GateState = Literal["applied", "unknown", "stretch"]
"""``applied``: posts failing it are left out; ``unknown``: the seeker did not say, so nothing is left
out; ``stretch``: stretch posts were asked for, so failing posts are offered and marked."""


def seeker_rank(profile: Profile) -> int | None:
    level = parse_education(profile.education) if profile.education else None
    return EDUCATION_LEVELS.index(level) if level else None


def gate_filters(profile: Profile) -> list[Filter]:
    """Index filters leaving out the posts the seeker fails; none for what the seeker did not say.

    Both are written as "not above the seeker" so that a post with no stated minimum passes without
    holding the field."""
    filters: list[Filter] = []
    rank = seeker_rank(profile)
    if rank is not None and rank + 1 < len(EDUCATION_LEVELS):
        filters.append(Not(Range(PostingField.EDUCATION_RANK, gte=rank + 1)))
    if profile.experience_years is not None:
        filters.append(
            Not(Range(PostingField.EXPERIENCE_MIN, gte=profile.experience_years + EXPERIENCE_GAP_YEARS))
        )
    return filters


def gate_states(profile: Profile, *, stretch: bool) -> tuple[GateState, GateState]:
    """(education, experience): how the gate treated this profile."""
    education: GateState = "unknown" if seeker_rank(profile) is None else "stretch" if stretch else "applied"
    experience: GateState = (
        "unknown" if profile.experience_years is None else "stretch" if stretch else "applied"
    )
    return education, experience


def shortfalls(profile: Profile, posting: IndexedPosting) -> list[str]:
    """What the post asks for beyond the seeker, as a kiosk would say it; empty when the gate admits it."""
    found: list[str] = []
    rank = seeker_rank(profile)
    if rank is not None and posting.education_min and education_rank(posting.education_min) > rank:
        found.append(EDUCATION_SHORTFALL)
    required = posting.experience_min_years
    have = profile.experience_years
    if have is not None and required is not None and required - have >= EXPERIENCE_GAP_YEARS:
        found.append(f"经验要求{required:g}年，高于您的{have:g}年")
    return found
