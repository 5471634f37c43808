"""Index field names and the two index schemas: the one place a field of the index is named.

The query builder, the matcher, the facets and the index documents all use
these constants, so renaming a field is one edit and a typo is an
AttributeError at import, not an empty result at run time.
"""

from __future__ import annotations

from enum import StrEnum

from shared.ports.search_index import IndexSchema


class PostingField(StrEnum):
    TITLE = "title"
    BODY = "body"
    """Description, skills, certificates, benefits, employer name and industry."""
    PLACE = "place"
    """Names of the place at every level, full and short, so 「电工 郑州」 finds it."""
    REGION_PATH = "region_path"
    """Province, city and county codes: a filter on any level finds everything below it."""
    REGION_CODE = "region_code"
    CITY_CODE = "city_code"
    TARGET_PROVINCES = "target_provinces"
    JOB_TYPE = "job_type"
    EDUCATION_MIN = "education_min"
    EDUCATION_RANK = "education_rank"
    # Matching (services.matcher): the experience gate filters on it, the widen hints count certificates.
    EXPERIENCE_MIN = "experience_min_years"
    """Absent when the post names none."""
    CERTIFICATES = "certificates"
    """The certificates the post asks for, normalised (``shared.text.pipeline.normalize``)."""
    PROGRAMMES = "programmes"
    STATUS = "status"
    SOURCE = "source"
    SALARY_TOP = "salary_top"
    SALARY_BOTTOM = "salary_bottom"
    POSTED_AT = "posted_at"
    EXPIRES_AT = "expires_at"
    # Cross-source duplicates (shared.dedup, services.search.dedup).
    DEDUP_BANDS = "dedup_bands"
    """The fingerprint's LSH band tokens: postings sharing one are duplicate candidates."""
    DUPLICATE_OF = "duplicate_of"
    """On a duplicate only: the id of the posting it duplicates (the canonical)."""
    # Review flags (shared.domain.flags): on every flagged posting, hidden ones included, and read only by
    # the review queue, so a search filter never reaches a posting taken out of the searchable set.
    FLAGS = "flags"
    """The kinds of its flags."""
    REVIEW = "review"
    """pending, upheld or dismissed."""
    REVIEW_REGION_PATH = "review_region_path"
    REVIEW_SOURCE = "review_source"
    REVIEW_UPDATED_AT = "review_updated_at"
    VACANCIES = "vacancies"
    """The headcount, 1 when the post names none: what supply-demand figures add up."""


class SeekerField(StrEnum):
    TITLE = "title"
    """The desired job titles."""
    BODY = "body"
    REGION_PATH = "region_path"
    DESIRED_REGION_PATH = "desired_region_path"
    CITY_CODE = "city_code"
    GROUPS = "groups"
    EDUCATION = "education"
    EDUCATION_RANK = "education_rank"
    STATUS = "status"
    CONSENT = "consent"
    SOURCE = "source"
    EXPECTED_SALARY_MIN = "expected_salary_min"
    UPDATED_AT = "updated_at"
    PERSON = "person"
    """The keyed hash of the ID number, when given: one person's records in several places."""


P, S = PostingField, SeekerField

POSTINGS = IndexSchema(
    "postings",
    {
        P.TITLE: "text",
        P.BODY: "text",
        P.PLACE: "text",
        P.REGION_PATH: "keyword",
        P.REGION_CODE: "keyword",
        P.CITY_CODE: "keyword",
        P.TARGET_PROVINCES: "keyword",
        P.JOB_TYPE: "keyword",
        P.EDUCATION_MIN: "keyword",
        P.EDUCATION_RANK: "int",
        P.EXPERIENCE_MIN: "float",
        P.CERTIFICATES: "keyword",
        P.PROGRAMMES: "keyword",
        P.STATUS: "keyword",
        P.SOURCE: "keyword",
        P.SALARY_TOP: "int",
        P.SALARY_BOTTOM: "int",
        P.POSTED_AT: "date",
        P.EXPIRES_AT: "date",
        P.DEDUP_BANDS: "keyword",
        P.DUPLICATE_OF: "keyword",
        P.FLAGS: "keyword",
        P.REVIEW: "keyword",
        P.REVIEW_REGION_PATH: "keyword",
        P.REVIEW_SOURCE: "keyword",
        P.REVIEW_UPDATED_AT: "date",
        P.VACANCIES: "int",
    },
)

SEEKERS = IndexSchema(
    "seekers",
    {
        S.TITLE: "text",
        S.BODY: "text",
        S.REGION_PATH: "keyword",
        S.DESIRED_REGION_PATH: "keyword",
        S.CITY_CODE: "keyword",
        S.GROUPS: "keyword",
        S.EDUCATION: "keyword",
        S.EDUCATION_RANK: "int",
        S.STATUS: "keyword",
        S.CONSENT: "keyword",
        S.SOURCE: "keyword",
        S.EXPECTED_SALARY_MIN: "int",
        S.UPDATED_AT: "date",
        S.PERSON: "keyword",
    },
)

# Text fields a seeker query searches (staff's seeker search, a vacancy's candidates), with their boosts.
SEEKER_TEXT_FIELDS: dict[str, float] = {S.TITLE: 3.0, S.BODY: 1.0}

# Text fields a posting query searches, with their boosts.
POSTING_TEXT_FIELDS: dict[str, float] = {P.TITLE: 3.0, P.BODY: 1.0, P.PLACE: 1.0}
