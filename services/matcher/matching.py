"""Retrieval then re-ranking: the index proposes candidates, the features order them."""

from __future__ import annotations

import time
from dataclasses import fields
from datetime import UTC, datetime

from services.matcher.models import Explain, Match, MatchResponse
from services.matcher.scoring import Profile, Scored, score_posting
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


def candidate_request(profile: Profile, *, now: float) -> SearchRequest:
    filters: list[Filter] = []
    homes = [code for code in [profile.region_code, *profile.desired_region_codes] if code]
    if homes and not profile.willing_to_relocate:
        # Someone who will not move is only shown work in their own province or the places they named.
        provinces = sorted({province_of(code) for code in homes})
        paths = (
            Terms(PostingField.REGION_PATH, tuple(provinces)),
            Terms(PostingField.REGION_PATH, tuple(homes)),
        )
        filters.append(AnyOf(paths))
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


def match_postings(
    profile: Profile, *, postings: SearchIndex, limit: int, now: float | None = None
) -> list[Scored]:
    now = time.time() if now is None else now
    result = postings.search(candidate_request(profile, now=now))
    top = max((hit.score for hit in result.hits), default=0.0) or 1.0
    moment = datetime.fromtimestamp(now, UTC)
    scored = [
        score_posting(profile, indexed_posting(hit.source), relevance=hit.score / top, now=moment)
        for hit in result.hits
    ]
    scored.sort(key=lambda s: (-s.score, s.posting.id))
    return scored[:limit]


def match_response(scored: list[Scored], warnings: list[Problem] | None = None) -> MatchResponse:
    return MatchResponse(
        total=len(scored),
        warnings=warnings or [],
        matches=[
            Match(
                posting=posting_summary(s.posting),
                score=s.score,
                explain=Explain(features=s.features, reasons=s.reasons),
            )
            for s in scored
        ],
    )
