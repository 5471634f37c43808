""" "What would widen my options": concrete changes to a profile, each with the open posts it would add.

The posts that fit a profile are a set of index filters (``fitting``): where the seeker can work, the
requirements gate, the desired occupations, the pay asked for. Each kind of change relaxes one of those
filters, and what it adds is counted by the index, never estimated:

- a certificate: the certificates most often asked for by open posts in reach outside the seeker's
  occupations (a terms facet), the ones the seeker lacks;
- a place: for someone who will not move, the cities of partner provinces, or of provinces recruiting in
  the seeker's own, with the most fitting posts (a terms facet on the city);
- education: one step up the scale (a count of the posts asking for exactly that level);
- salary: a lower expectation, in 500-yuan steps down to 30 % less (a range facet), the smallest step
  that brings at least half of what the largest would.

Four index requests whatever the profile; the three changes adding most are kept.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from services.matcher.gate import gate_filters, seeker_rank
from services.matcher.matching import OCCUPATION_PATH, location_filters
from services.matcher.models import WidenHint
from services.matcher.scoring import Profile, home_of
from shared.domain.education import EDUCATION_LEVELS
from shared.domain.partners import partner_provinces
from shared.domain.regions import get_region, province_of, short_forms
from shared.index.fields import PostingField
from shared.index.posting_queries import open_postings
from shared.ports.search_index import (
    AnyOf,
    Exists,
    Filter,
    Not,
    Range,
    RangeFacet,
    SearchIndex,
    SearchRequest,
    Terms,
    TermsFacet,
)
from shared.text.pipeline import normalize

HINTS = 3
CANDIDATES_PER_KIND = 2
SALARY_STEP = 500
SALARY_STEPS = 6
"""Down to 3,000 yuan less, and never below 70 % of the expectation."""


def occupation_filter(profile: Profile) -> list[Filter]:
    return [Terms(OCCUPATION_PATH, tuple(profile.occupations))] if profile.occupations else []


def salary_filter(expected: float | None) -> list[Filter]:
    """Posts that may pay what is asked; a post stating no pay is not ruled out by it."""
    if not expected:
        return []
    top = PostingField.SALARY_TOP
    return [AnyOf((Range(top, gte=expected), Not(Exists(top))))]


def fitting(profile: Profile, *, leave_out: str = "") -> list[Filter]:
    """The filters of the posts that fit ``profile``, but for the one named by ``leave_out``."""
    parts: dict[str, list[Filter]] = {
        "place": location_filters(profile),
        "gate": gate_filters(profile),
        "occupation": occupation_filter(profile),
        "salary": salary_filter(profile.expected_salary_min),
    }
    return [item for name, filters in parts.items() if name != leave_out for item in filters]


def _facet(
    postings: SearchIndex, filters: list[Filter], facet: TermsFacet | RangeFacet, now: float
) -> list[tuple[str, int]]:
    request = SearchRequest(
        filters=open_postings(filters, has_text=False, now=now),
        limit=0,
        count_total=False,
        facets={"widen": facet},
    )
    return postings.search(request).facets.get("widen", [])


def _certificate_hints(profile: Profile, postings: SearchIndex, now: float) -> list[WidenHint]:
    held = {normalize(item) for item in profile.certificates}
    filters = fitting(profile, leave_out="occupation")
    if profile.occupations:
        filters.append(Not(occupation_filter(profile)[0]))
    buckets = _facet(postings, filters, TermsFacet(PostingField.CERTIFICATES, size=len(held) + 5), now)
    lacking = [(name, count) for name, count in buckets if name not in held and count > 0]
    return [
        WidenHint(kind="certificate", value=name, count=count, text=f"持{name}可多匹配 {count} 个岗位")
        for name, count in lacking[:CANDIDATES_PER_KIND]
    ]


def _place_name(code: str) -> str:
    region = get_region(code)
    if region is None:
        return code
    return next(iter(short_forms(region.name)), region.name)


def _place_hints(profile: Profile, postings: SearchIndex, now: float) -> list[WidenHint]:
    home = home_of(profile)
    reach = location_filters(profile)
    if home is None or not reach:
        return []
    province = province_of(home)
    co_operating = AnyOf(
        (
            Terms(PostingField.REGION_PATH, tuple(sorted(partner_provinces(province)))),
            Terms(PostingField.TARGET_PROVINCES, (province,)),
        )
    )
    filters = [*fitting(profile, leave_out="place"), *(Not(item) for item in reach), co_operating]
    buckets = _facet(postings, filters, TermsFacet(PostingField.CITY_CODE, size=CANDIDATES_PER_KIND), now)
    return [
        WidenHint(
            kind="place", value=code, count=count, text=f"愿意到{_place_name(code)}可多匹配 {count} 个岗位"
        )
        for code, count in buckets
        if count > 0
    ]


def _education_hints(profile: Profile, postings: SearchIndex, now: float) -> list[WidenHint]:
    rank = seeker_rank(profile)
    if rank is None or rank + 1 >= len(EDUCATION_LEVELS):
        return []
    step = rank + 1
    filters = [*fitting(profile, leave_out="gate"), *_experience_gate(profile)]
    filters.append(Range(PostingField.EDUCATION_RANK, gte=step, lte=step))
    count = postings.count(open_postings(filters, has_text=False, now=now))
    level = EDUCATION_LEVELS[step]
    text = f"学历提升到{level}可多匹配 {count} 个岗位"
    return [WidenHint(kind="education", value=level, count=count, text=text)] if count else []


def _experience_gate(profile: Profile) -> list[Filter]:
    """The gate's experience part alone: what an education step leaves standing."""
    return [item for item in gate_filters(profile) if _filtered_field(item) == PostingField.EXPERIENCE_MIN]


def _filtered_field(item: Filter) -> str | None:
    inner = item.filter if isinstance(item, Not) else item
    return inner.field if isinstance(inner, Range) else None


def salary_steps(expected: float) -> list[int]:
    """Lower expectations to try: round 500-yuan amounts below ``expected``, nearest first."""
    floor = expected * 0.7
    first = math.ceil(expected / SALARY_STEP) * SALARY_STEP - SALARY_STEP
    steps = [first - SALARY_STEP * k for k in range(SALARY_STEPS)]
    return [step for step in steps if floor <= step < expected and step > 0]


def _salary_hints(profile: Profile, postings: SearchIndex, now: float) -> list[WidenHint]:
    expected = profile.expected_salary_min
    steps = salary_steps(expected) if expected else []
    if not expected or not steps:
        return []
    # Disjoint bands (tantivy takes no overlapping ranges), summed from the top: what each step adds.
    uppers = [float(expected), *map(float, steps[:-1])]
    ranges = tuple((str(step), float(step), upper) for step, upper in zip(steps, uppers, strict=True))
    bands = dict(
        _facet(
            postings, fitting(profile, leave_out="salary"), RangeFacet(PostingField.SALARY_TOP, ranges), now
        )
    )
    gained = list(itertools.accumulate(bands.get(str(step), 0) for step in steps))
    if not gained[-1]:
        return []
    step, count = next((s, n) for s, n in zip(steps, gained, strict=True) if n * 2 >= gained[-1])
    return [
        WidenHint(
            kind="salary", value=str(step), count=count, text=f"期望薪资降到{step}可多匹配 {count} 个岗位"
        )
    ]


def widen_hints(profile: Profile, *, postings: SearchIndex, now: float) -> list[WidenHint]:
    """Up to ``HINTS`` changes, the ones adding most first (ties in the order of the kinds above)."""
    found: Sequence[WidenHint] = [
        *_certificate_hints(profile, postings, now),
        *_place_hints(profile, postings, now),
        *_education_hints(profile, postings, now),
        *_salary_hints(profile, postings, now),
    ]
    ranked = sorted(enumerate(found), key=lambda item: (-item[1].count, item[0]))
    return [hint for _, hint in ranked[:HINTS]]
