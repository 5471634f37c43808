"""The other direction: ranked seekers for a vacancy (staff), scored by the same named features.

Candidates are the seekers still seeking whose desired jobs, skills,
certificates or work history share words with the posting's title, skills
and certificates; each is then scored exactly as matching scores the posting
for that seeker (``score_posting``), so a staff member and the seeker see the
same score and reasons for the same pair.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from services.matcher.matching import CANDIDATES, profile_from_seeker
from services.matcher.scoring import score_posting
from shared.domain.records import SeekerRecord
from shared.index.documents import IndexedPosting, stored_seeker
from shared.index.fields import SEEKER_TEXT_FIELDS, SeekerField
from shared.ports.search_index import SearchIndex, SearchRequest, SortBy, Terms, TextQuery
from shared.text.pipeline import query_groups


def seeker_candidates(posting: IndexedPosting) -> SearchRequest:
    text = " ".join([posting.title, *posting.skills, *posting.certificates])
    groups = query_groups(text) if text.strip() else []
    seeking = (Terms(SeekerField.STATUS, ("seeking",)),)
    if groups:
        return SearchRequest(
            text=TextQuery(tuple(groups), SEEKER_TEXT_FIELDS, require_all=False),
            filters=seeking,
            limit=CANDIDATES,
            count_total=False,
        )
    return SearchRequest(
        filters=seeking, sort=SortBy(SeekerField.UPDATED_AT), limit=CANDIDATES, count_total=False
    )


def match_seekers(
    posting: IndexedPosting, *, seekers: SearchIndex, limit: int, now: float | None = None
) -> list[tuple[SeekerRecord, float, dict[str, float], list[str]]]:
    """(seeker, score, features, reasons), best first."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    result = seekers.search(seeker_candidates(posting))
    top = max((hit.score for hit in result.hits), default=0.0) or 1.0
    ranked = []
    for hit in result.hits:
        seeker = stored_seeker(hit.source)
        scored = score_posting(profile_from_seeker(seeker), posting, relevance=hit.score / top, now=moment)
        ranked.append((seeker, scored.score, scored.features, scored.reasons))
    ranked.sort(key=lambda item: (-item[1], item[0].id))
    return ranked[:limit]
