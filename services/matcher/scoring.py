"""Explainable match scores: named features, each a value in [0, 1] times a weight.

The total is out of 100 and every feature's contribution is returned, with
short Chinese reasons a kiosk can show. Gender, ethnicity and household
registration are never inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from services.matcher.gate import shortfalls
from services.matcher.weights import FEATURES, match_weights
from shared.domain.education import meets
from shared.domain.partners import partner_provinces
from shared.domain.regions import province_of, region_path
from shared.index.documents import IndexedPosting
from shared.text.pipeline import group_matches, normalize, query_groups, words_in

WEIGHTS = match_weights()
"""Read and checked at import, so a service with a bad weights file does not start."""

# Which posting programmes serve which seeker groups, and what to tell the seeker. A boost, never a gate:
# anyone may apply to these posts.
PROGRAMME_FIT = {
    "poverty_workshop": ({"registered_poor", "low_income"}, "扶贫车间优先吸纳建档立卡人员"),
    "public_welfare_post": (
        {"hard_to_employ", "zero_employment_family", "disabled", "overcapacity_laid_off"},
        "公益性岗位托底安置就业困难人员",
    ),
    "internship_base": ({"college_graduate"}, "就业见习岗位面向高校毕业生"),
    "disability_friendly": ({"disabled"}, "岗位适合残疾人就业"),
    "veteran_friendly": ({"veteran"}, "退役军人优先录用"),
}
# A poverty workshop exists to employ people where they live: one in their own county or city fits best.
NEAR_HOME_WORKSHOP = "扶贫车间就近就业"
FRESHNESS_HALF_LIFE_DAYS = 30.0
NEW_POST_DAYS = 3
# How near two occupations are, by the deepest GB/T 6565 level their codes share (1 major … 4 occupation).
OCCUPATION_CLOSENESS = {4: (1.0, "职业对口"), 3: (0.8, "相近职业"), 2: (0.6, "同类职业"), 1: (0.25, None)}


@dataclass(frozen=True)
class Profile:
    """What matching knows of a seeker, whether stored or typed at a kiosk.

    Gender, ethnicity, household registration, age and name are not here: matching cannot score on them.
    """

    desired_titles: Sequence[str] = ()
    skills: Sequence[str] = ()
    certificates: Sequence[str] = ()
    region_code: str | None = None
    desired_region_codes: Sequence[str] = ()
    willing_to_relocate: bool = False
    expected_salary_min: float | None = None
    education: str | None = None
    experience_years: float | None = None
    groups: Sequence[str] = ()
    text: str = ""
    occupations: Sequence[str] = ()
    """GB/T 6565 codes of the occupations the seeker wants (``shared.domain.occupations``); empty when
    none could be placed."""


@dataclass
class Scored:
    posting: IndexedPosting
    score: float
    features: dict[str, float]
    reasons: list[str]
    shortfalls: list[str] = field(default_factory=list)
    """The stated minimum requirements of the post the seeker does not meet (``gate.shortfalls``): empty
    for every post matching offers unless stretch posts were asked for."""


def occupation_levels(code: str) -> list[str]:
    """The codes of ``code``'s levels, major first: 6-31-01-03 → 6, 6-31, 6-31-01, 6-31-01-03."""
    parts = code.split("-")
    return ["-".join(parts[: depth + 1]) for depth in range(len(parts))]


def shared_depth(left: str, right: str) -> int:
    """How many levels of the GB/T 6565 tree two codes share (0: not even the major group)."""
    return _common_prefix(occupation_levels(left), occupation_levels(right))


def _occupation(profile: Profile, posting: IndexedPosting) -> tuple[float, str | None]:
    posting_code = posting_occupation(posting)
    if posting_code and profile.occupations:
        depth = max(shared_depth(wanted, posting_code) for wanted in profile.occupations)
        return OCCUPATION_CLOSENESS.get(depth, (0.0, None))
    return _title_overlap(profile, posting)


def posting_occupation(posting: IndexedPosting) -> str | None:
    """The posting's occupation code, None when classification could not place it."""
    return None


def _title_overlap(profile: Profile, posting: IndexedPosting) -> tuple[float, str | None]:
    """Without a code on either side: the share of a desired title's words the posting's title holds."""
    if not profile.desired_titles:
        return 0.0, None
    title_words = set(posting.derived.title_words)
    best = 0.0
    for desired in profile.desired_titles:
        groups = _title_groups(desired)
        if not groups:
            continue
        hit = sum(1 for group in groups if group_matches(group, title_words)) / len(groups)
        best = max(best, hit)
    return best, ("岗位对口" if best >= 0.999 else "岗位相近" if best > 0 else None)


@lru_cache(maxsize=4096)
def _title_groups(desired: str) -> tuple[tuple[str | tuple[str, ...], ...], ...]:
    """A desired title's query groups: segmented once, not once per candidate."""
    return tuple(query_groups(desired))


@lru_cache(maxsize=4096)
def _item_words(item: str) -> frozenset[str]:
    """A profile's skill or certificate as words: the same few items meet every candidate of a request."""
    return frozenset(words_in(item))


def _distinct(items: Sequence[str]) -> list[str]:
    """Items once each, as first written: PLC, plc and ＰＬＣ are one skill."""
    first: dict[str, str] = {}
    for item in items:
        first.setdefault(normalize(item), item)
    return list(first.values())


def _skills(profile: Profile, words: set[str]) -> tuple[float, list[str]]:
    skills, certificates = _distinct(profile.skills), _distinct(profile.certificates)
    offered = [*skills, *certificates]
    if not offered:
        return 0.0, []
    matched = [item for item in offered if item in words or _item_words(item) & words]
    reasons = [f"持{c}" for c in certificates if c in matched][:2]
    reasons += [f"会{s}" for s in skills if s in matched][: max(0, 3 - len(reasons))]
    return len(matched) / len(offered), reasons


def _common_prefix(a: list[str], b: list[str]) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def home_of(profile: Profile) -> str | None:
    """Where the seeker lives, or else the first place they asked for."""
    return profile.region_code or next(iter(profile.desired_region_codes), None)


def _location(profile: Profile, posting: IndexedPosting) -> tuple[float, str | None]:
    posting_path = posting.derived.region_path
    if not posting_path:
        return 0.3, None
    for desired in profile.desired_region_codes:
        wanted = region_path(desired)
        if wanted and posting_path[: len(wanted)] == wanted:
            return 1.0, "意向地区"
    home = home_of(profile)
    if home is None:
        return 0.5, None
    home_path = region_path(home)
    common = _common_prefix(home_path, posting_path)
    mover = profile.willing_to_relocate
    if common >= 3:
        return 1.0, "同县区"
    if common == 2:
        # A city-level address on either side cannot be compared more closely than the city.
        return (1.0 if min(len(home_path), len(posting_path)) == 2 else 0.85), "同市"
    if common == 1:
        return (0.6 if mover else 0.3), "同省"
    # Outside the home province, co-operation comes first: a partner province's post that recruits in
    # the seeker's province (劳务协作 with transport and reception arranged), then either one alone.
    home_province = province_of(home)
    recruits_here = home_province in posting.target_provinces
    partner = posting_path[0] in partner_provinces(home_province)
    if recruits_here and partner:
        return (0.55 if mover else 0.2), "省际劳务协作"
    if recruits_here:
        return (0.45 if mover else 0.15), "面向本省招聘"
    if partner:
        return (0.35 if mover else 0.1), "劳务协作省份"
    return (0.25 if mover else 0.0), None


def _salary(profile: Profile, posting: IndexedPosting) -> tuple[float, str | None]:
    top = posting.salary_top
    if top is None:
        return 0.5, "薪资面议" if posting.salary_negotiable else None
    if not profile.expected_salary_min:
        return 0.5, None
    ratio = top / profile.expected_salary_min
    if ratio >= 1:
        return 1.0, "薪资符合期望"
    # Linear down to nothing at 70 % of what the seeker asks for.
    return max(0.0, (ratio - 0.7) / 0.3), None


def _education(profile: Profile, posting: IndexedPosting) -> tuple[float, str | None]:
    required = posting.education_min
    if not required or required == "不限":
        return 1.0, None
    if not profile.education:
        return 0.5, None
    return (1.0, "学历符合") if meets(profile.education, required) else (0.0, None)


def _experience(profile: Profile, posting: IndexedPosting) -> tuple[float, str | None]:
    required = posting.experience_min_years or 0
    if required <= 0:
        return 1.0, None
    if profile.experience_years is None:
        return 0.5, None  # a kiosk walk-in who did not say is neither qualified nor not
    have = profile.experience_years
    return (1.0, "经验符合") if have >= required else (have / required, None)


def _freshness(posting: IndexedPosting, now: datetime) -> tuple[float, str | None]:
    age_days = max(0.0, (now - posting.posted_at).total_seconds() / 86400)
    return math.pow(0.5, age_days / FRESHNESS_HALF_LIFE_DAYS), (
        "新发布" if age_days <= NEW_POST_DAYS else None
    )


def _near_home(profile: Profile, posting: IndexedPosting) -> bool:
    home = profile.region_code
    path = posting.derived.region_path
    return bool(home and path) and _common_prefix(region_path(home or ""), path) >= 2


def _programme(profile: Profile, posting: IndexedPosting) -> tuple[float, str | None]:
    best: tuple[float, str | None] = (0.0, None)
    groups = set(profile.groups)
    for programme in posting.programmes:
        served, reason = PROGRAMME_FIT.get(programme, (set(), ""))
        if not served & groups:
            continue
        fit = (1.0, reason)
        if programme == "poverty_workshop":
            # Its point is work near home; one far away still serves the group, less well.
            fit = (1.0, NEAR_HOME_WORKSHOP) if _near_home(profile, posting) else (0.5, reason)
        best = max(best, fit, key=lambda item: item[0])
    return best


def score_posting(profile: Profile, posting: IndexedPosting, *, relevance: float, now: datetime) -> Scored:
    """``relevance`` is the retrieval score scaled to [0, 1] within the candidate set."""
    words = set(posting.derived.words)
    values: dict[str, float] = {}
    reasons: list[str] = []

    def add(name: str, value: float, reason: str | list[str] | None = None) -> None:
        values[name] = value
        if isinstance(reason, list):
            reasons.extend(reason)
        elif reason:
            reasons.append(reason)

    add("occupation", *_occupation(profile, posting))
    add("skills", *_skills(profile, words))
    add("text", relevance)
    add("location", *_location(profile, posting))
    add("salary", *_salary(profile, posting))
    add("education", *_education(profile, posting))
    add("experience", *_experience(profile, posting))
    add("freshness", *_freshness(posting, now))
    add("programme", *_programme(profile, posting))
    contributions = {name: round(WEIGHTS[name] * values[name], 2) for name in FEATURES}
    return Scored(
        posting,
        round(sum(contributions.values()), 2),
        contributions,
        reasons,
        shortfalls(profile, posting),
    )
