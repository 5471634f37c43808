"""Stored records → feed records, in the shape another instance's ingest takes (``PostingIn``/``SeekerIn``).

A seeker's record leaves without what identifies the person: name, ID number
hash and mask, phone (``shared.domain.personal``), the place as typed (it may
be a street address: the resolved region code goes instead), the household
registration, and the work history, free prose that may name people, employers
or health. The short texts that stay (desired jobs, skills, certificates,
major) are masked for identifiers once more, for records an older release stored.
"""

from __future__ import annotations

from services.search.feeds.models import FeedEmployer, FeedLocation, FeedPosting, FeedSalary, FeedSeeker
from shared.domain.personal import mask_identifiers
from shared.domain.records import PostingRecord, SeekerRecord


def feed_posting(record: PostingRecord) -> FeedPosting:
    salary = record.salary
    return FeedPosting(
        source=record.source,
        source_id=record.source_id,
        title=record.title,
        description=record.description,
        employer=FeedEmployer(
            name=record.employer.name,
            credit_code=record.employer.credit_code,
            industry=record.employer.industry,
        ),
        location=FeedLocation(text=record.location.text, region_code=record.location.region_code),
        # Monthly amounts as normalised; the text as sent, so a 面议 or an unparsed salary reads the same.
        salary=FeedSalary(text=salary.text, min=record.salary_min, max=record.salary_max),
        education_min=record.education_min,
        experience_min_years=record.experience_min_years,
        headcount=record.headcount,
        job_type=record.job_type,
        skills=record.skills,
        certificates=record.certificates,
        benefits=record.benefits,
        programmes=record.programmes,
        target_provinces=record.target_provinces,
        posted_at=record.posted_at,
        expires_at=record.expires_at,
        status=record.status,
        updated_at=record.updated_at,
    )


def _masked(values: list[str]) -> list[str]:
    return [mask_identifiers(value) for value in values]


def feed_seeker(record: SeekerRecord) -> FeedSeeker:
    """Only for a seeker who consented (the caller sends the others as ``not_shared`` deletions)."""
    if not record.consent_share_with_partners:
        raise ValueError(f"seeker {record.id} did not consent to sharing")
    return FeedSeeker(
        source=record.source,
        source_id=record.source_id,
        birth_year=record.birth_year,
        region_code=record.region_code,
        desired_titles=_masked(record.desired_titles),
        desired_region_codes=record.desired_region_codes,
        willing_to_relocate=record.willing_to_relocate,
        expected_salary_min=record.expected_salary_min,
        skills=_masked(record.skills),
        certificates=_masked(record.certificates),
        education=record.education,
        major=mask_identifiers(record.major) if record.major else None,
        graduation_year=record.graduation_year,
        experience_years=record.experience_years,
        groups=record.groups,
        consent_share_with_partners=True,
        status=record.status,
        updated_at=record.updated_at,
    )
