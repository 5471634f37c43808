"""Retrieval then re-ranking: the index proposes candidates, the features order them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Literal

from services.matcher.gate import GateState, gate_filters, gate_states
from services.matcher.models import Explain, Match, MatchResponse, Relaxed, RequirementsGate, WidenHint
from services.matcher.scoring import Profile, Scored, occupation_levels, score_posting
from shared.domain.inputs import MatchProfileIn
from shared.domain.problems import Problem
from shared.domain.records import SeekerRecord
from shared.domain.regions import province_of, resolve_location
from shared.index.documents import indexed_posting
from shared.index.fields import PostingField
from shared.index.posting_queries import (
    POSTING_TEXT_FIELDS,
    education_label,
    known_region_code,
    open_postings,
)
from shared.ports.search_index import AnyOf, Filter, SearchIndex, SearchRequest, SortBy, Terms, TextQuery
from shared.text.pipeline import query_groups
from shared.web.posting_views import posting_summary

CANDIDATES = 200
OCCUPATION_PATH = "occupation_path"  # until the occupations milestone: PostingField.OCCUPATION_PATH
FEW = 3
"""Fewer candidates than this and retrieval is widened by occupation (``Relaxation``)."""


def profile_from_input(body: MatchProfileIn) -> tuple[Profile, list[Problem]]:
    """The profile to match, and warnings about what was typed but could not be used.

    Codes are checked strictly (a client sent them); free text that cannot be
    placed is dropped with a warning, because a kiosk should still answer.
    """
    warnings: list[Problem] = []
    region_code = known_region_code(body.region_code, "region_code") if body.region_code else None
    if region_code is None and body.location:
        region = resolve_location(body.location)
        if region is None:
            warnings.append(Problem.of("location", "LOCATION_UNRESOLVED", f"无法识别地点「{body.location}」"))
        region_code = region.code if region else None
    education = education_label(body.education) if body.education else None
    profile = Profile(
        desired_titles=body.desired_titles,
        skills=body.skills,
        certificates=body.certificates,
        region_code=region_code,
        desired_region_codes=[
            known_region_code(code, "desired_region_codes") for code in body.desired_region_codes
        ],
        willing_to_relocate=body.willing_to_relocate,
        expected_salary_min=body.expected_salary_min,
        education=education,
        experience_years=body.experience_years,
        groups=body.groups,
        text=body.text,
    )
    return profile, warnings


PROFILE_FIELDS = tuple(field.name for field in fields(Profile) if field.name in SeekerRecord.model_fields)
"""What matching reads of a stored profile (the audit record of a stored seeker's matches names them)."""


def profile_from_seeker(record: SeekerRecord) -> Profile:
    return Profile(**record.model_dump(include=set(PROFILE_FIELDS)))


def location_filters(profile: Profile) -> list[Filter]:
    """Someone who will not move is only shown work in their own province or the places they named."""
    homes = [code for code in [profile.region_code, *profile.desired_region_codes] if code]
    if not homes or profile.willing_to_relocate:
        return []
    provinces = sorted({province_of(code) for code in homes})
    paths = (
        Terms(PostingField.REGION_PATH, tuple(provinces)),
        Terms(PostingField.REGION_PATH, tuple(homes)),
    )
    return [AnyOf(paths)]


def admissible(profile: Profile, *, stretch: bool) -> list[Filter]:
    """What every candidate of this profile must satisfy: where the seeker can work, and the gate."""
    return [*location_filters(profile), *([] if stretch else gate_filters(profile))]


def candidate_request(profile: Profile, *, now: float, stretch: bool = False) -> SearchRequest:
    filters = admissible(profile, stretch=stretch)
    text = " ".join([*profile.desired_titles, *profile.skills, *profile.certificates, profile.text])
    groups = query_groups(text) if text.strip() else []
    if groups:
        return SearchRequest(
            text=TextQuery(tuple(groups), POSTING_TEXT_FIELDS, require_all=False),
            filters=open_postings(filters, has_text=True, now=now),
            limit=CANDIDATES,
            count_total=False,
        )
    return SearchRequest(
        filters=open_postings(filters, has_text=False, now=now),
        sort=SortBy(PostingField.POSTED_AT),
        limit=CANDIDATES,
        count_total=False,
    )


@dataclass(frozen=True)
class Relaxation:
    """One widening retrieval made because the profile's own words found too little."""

    level: Literal["minor", "middle"]
    """The GB/T 6565 level widened to: the desired occupation's minor group, then its middle group."""
    code: str
    added: int
    """Candidates it added."""


@dataclass
class MatchOutcome:
    scored: list[Scored]
    """Best first, at most the limit asked for."""
    relaxed: list[Relaxation]
    gate: tuple[GateState, GateState]
    """How the gate treated education and experience (``gate.gate_states``)."""


def _relaxed_requests(
    profile: Profile, *, now: float, stretch: bool
) -> Iterator[tuple[Relaxation, SearchRequest]]:
    for depth, level in ((3, "minor"), (2, "middle")):
        codes = sorted(
            {
                occupation_levels(code)[depth - 1]
                for code in profile.occupations
                if code.count("-") >= depth - 1
            }
        )
        for code in codes:
            filters = [*admissible(profile, stretch=stretch), Terms(OCCUPATION_PATH, (code,))]
            request = SearchRequest(
                filters=open_postings(filters, has_text=False, now=now),
                sort=SortBy(PostingField.POSTED_AT),
                limit=CANDIDATES,
                count_total=False,
            )
            yield Relaxation(level=level, code=code, added=0), request  # type: ignore[arg-type]


def run_match(
    profile: Profile, *, postings: SearchIndex, limit: int, now: float | None = None, stretch: bool = False
) -> MatchOutcome:
    """Retrieval, the gate, widening by occupation when retrieval finds fewer than ``FEW``, then scoring."""
    now = time.time() if now is None else now
    hits = {hit.id: hit for hit in postings.search(candidate_request(profile, now=now, stretch=stretch)).hits}
    top = max((hit.score for hit in hits.values()), default=0.0) or 1.0
    relevance = {doc_id: hit.score / top for doc_id, hit in hits.items()}
    relaxed: list[Relaxation] = []
    if len(hits) < FEW:
        for step, request in _relaxed_requests(profile, now=now, stretch=stretch):
            # Posts found only by widening share no word with the profile: no text relevance.
            new = [hit for hit in postings.search(request).hits if hit.id not in hits]
            hits.update((hit.id, hit) for hit in new)
            relevance.update((hit.id, 0.0) for hit in new)
            relaxed.append(replace(step, added=len(new)))
            if len(hits) >= FEW:
                break
    moment = datetime.fromtimestamp(now, UTC)
    scored = [
        score_posting(profile, indexed_posting(hit.source), relevance=relevance[doc_id], now=moment)
        for doc_id, hit in hits.items()
    ]
    scored.sort(key=lambda s: (-s.score, s.posting.id))
    return MatchOutcome(scored[:limit], relaxed, gate_states(profile, stretch=stretch))


def match_postings(
    profile: Profile, *, postings: SearchIndex, limit: int, now: float | None = None, stretch: bool = False
) -> list[Scored]:
    """The ranked postings of ``run_match``, best first."""
    return run_match(profile, postings=postings, limit=limit, now=now, stretch=stretch).scored


def match_response(
    outcome: MatchOutcome, warnings: list[Problem] | None = None, widen: list[WidenHint] | None = None
) -> MatchResponse:
    education, experience = outcome.gate
    return MatchResponse(
        total=len(outcome.scored),
        warnings=warnings or [],
        matches=[
            Match(
                posting=posting_summary(s.posting),
                score=s.score,
                explain=Explain(features=s.features, reasons=s.reasons),
                stretch=bool(s.shortfalls),
                shortfalls=s.shortfalls,
            )
            for s in outcome.scored
        ],
        gate=RequirementsGate(education=education, experience=experience),
        relaxed=[relaxed_view(step) for step in outcome.relaxed],
        widen=widen or [],
    )


def relaxed_view(step: Relaxation) -> Relaxed:
    name: str | None = None
    group = "同小类职业" if step.level == "minor" else "同中类职业"
    text = f"已放宽到{group}「{name or step.code}」"
    return Relaxed(
        kind="occupation", level=step.level, code=step.code, name=name, added=step.added, text=text
    )
