"""The other direction: ranked seekers for a vacancy (staff), scored by the same named features.

Candidates are the seekers still seeking whose desired jobs, skills,
certificates or work history share words with the posting's title, skills
and certificates; each is then scored exactly as matching scores the posting
for that seeker (``score_posting``), so a staff member and the seeker see the
same score and reasons for the same pair. The requirements gate holds from this side too: a seeker
whose stated education or experience falls short of the post's minimum is left out unless stretch
candidates are asked for (the index filters the education, the scoring the rest).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from services.matcher.matching import CANDIDATES, profile_from_seeker
from services.matcher.scoring import Scored, score_posting
from shared.domain.education import education_rank
from shared.domain.records import SeekerRecord
from shared.index.documents import IndexedPosting, stored_seeker
from shared.index.fields import SEEKER_TEXT_FIELDS, SeekerField
from shared.ports.search_index import Filter, Not, Range, SearchIndex, SearchRequest, SortBy, Terms, TextQuery
from shared.text.pipeline import query_groups


def seeker_candidates(posting: IndexedPosting, *, stretch: bool = False) -> SearchRequest:
    text = " ".join([posting.title, *posting.skills, *posting.certificates])
    groups = query_groups(text) if text.strip() else []
    filters: list[Filter] = [Terms(SeekerField.STATUS, ("seeking",))]
    required = education_rank(posting.education_min) if posting.education_min else 0
    if required > 1 and not stretch:
        # Rank 0 is a seeker who named no level as well as one with none: the scoring tells them apart.
        filters.append(Not(Range(SeekerField.EDUCATION_RANK, gte=1, lte=required - 1)))
    if groups:
        return SearchRequest(
            text=TextQuery(tuple(groups), SEEKER_TEXT_FIELDS, require_all=False),
            filters=tuple(filters),
            limit=CANDIDATES,
            count_total=False,
        )
    return SearchRequest(
        filters=tuple(filters), sort=SortBy(SeekerField.UPDATED_AT), limit=CANDIDATES, count_total=False
    )


def match_seekers(
    posting: IndexedPosting,
    *,
    seekers: SearchIndex,
    limit: int,
    now: float | None = None,
    stretch: bool = False,
) -> list[tuple[SeekerRecord, Scored]]:
    """(seeker, how the posting scores for them), best first."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    result = seekers.search(seeker_candidates(posting, stretch=stretch))
    top = max((hit.score for hit in result.hits), default=0.0) or 1.0
    ranked = []
    for hit in result.hits:
        seeker = stored_seeker(hit.source)
        scored = score_posting(profile_from_seeker(seeker), posting, relevance=hit.score / top, now=moment)
        if scored.shortfalls and not stretch:
            continue
        ranked.append((seeker, scored))
    ranked.sort(key=lambda item: (-item[1].score, item[0].id))
    return ranked[:limit]
