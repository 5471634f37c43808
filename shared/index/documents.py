"""How stored records become index documents, and what the index hands back.

Text fields get ``shared.text`` tokens so the index and the queries see the
same words. Whatever is derived from a record (its region path, salary top,
segmented words) is computed here once, at indexing, and kept beside the
record in the index: the matcher reads it from each candidate instead of
segmenting every candidate on every request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.dedup.fingerprint import fingerprint
from shared.domain.education import education_rank
from shared.domain.records import PlaceRecord, PostingRecord, SeekerRecord
from shared.domain.regions import region_path, short_forms
from shared.domain.review import ReviewState
from shared.index.fields import POSTINGS, SEEKERS, PostingField, SeekerField
from shared.ports.search_index import IndexDoc
from shared.text.pipeline import index_text, index_tokens, normalize

__all__ = [
    "POSTINGS",
    "SEEKERS",
    "IndexedPosting",
    "PostingDerived",
    "posting_doc",
    "posting_hidden",
    "seeker_doc",
]

# Expiry stored for open postings without one.
NEVER_EXPIRES = 4102444800  # 2100-01-01
OPEN = "open"
EXPIRED = "expired"
"""The index's status of a posting open in its record but past its deadline (the record keeps "open")."""
DUPLICATE = "duplicate"
"""The index's status of an open posting that duplicates another (``services.search.dedup``)."""
WITHHELD = "withheld"
"""The index's status of a posting whose review flags staff upheld: out of kiosks, matching and feeds."""


def indexed_status(record: PostingRecord, now: float, review: ReviewState | None = None) -> str:
    """What the index's status field holds: the record's, ``withheld`` while an upheld review decision
    holds, or ``expired`` once its deadline has passed.

    Only postings whose indexed status is open are searchable (``posting_doc``), so "open and not
    expired" costs no filter (``shared.index.posting_queries.open_postings``).
    """
    if review == "upheld":
        return WITHHELD
    if record.status == OPEN and record.expires_at is not None and record.expires_at.timestamp() < now:
        return EXPIRED
    return record.status


class PostingDerived(BaseModel):
    """Values computed from a posting at indexing time, for the matcher."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region_path: list[str]
    """Province, city, county codes of the posting's place; empty when it has none."""
    title_words: list[str]
    """Index tokens of the title."""
    words: list[str]
    """Index tokens of title, description, skills and certificates, plus the skills and certificates as given."""


class IndexedPosting(PostingRecord):
    """A posting as the index keeps it: the record and what indexing derived from it."""

    derived: PostingDerived
    duplicate_of: str | None = None
    """The canonical posting's id when this one duplicates it (services.search.dedup)."""
    review: ReviewState | None = None
    """The review state of a flagged posting when it was indexed (shared.domain.review)."""


def posting_hidden(source: dict[str, Any]) -> bool:
    """Whether an indexed posting (the source the index hands back) is hidden from kiosks, matching,
    the public view and partner feeds: staff upheld its review flags."""
    return source.get("review") == "upheld"


def review_of(source: dict[str, Any]) -> ReviewState | None:
    """The review state an indexed posting was written with (what re-indexing it must keep)."""
    review = source.get("review")
    return review if review in ("pending", "upheld", "dismissed") else None


def _city_code(path: list[str]) -> str | None:
    return path[1] if len(path) > 1 else (path[0] if path else None)


def place_names(location: PlaceRecord) -> str:
    """Names of the posting's place at every level, full and short, so 「电工 郑州」 finds it."""
    names = (location.province, location.city, location.district)
    return " ".join(dict.fromkeys(n for name in names if name for n in (name, *short_forms(name))))


def _joined(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class _PostingTokens:
    """Index tokens of a posting's parts. Segmentation splits at spaces, so tokens of the parts joined
    are the tokens of the joined text: each part is segmented once (the description is the long one)."""

    title: list[str]
    description: list[str]
    skills: list[str]
    certificates: list[str]

    @classmethod
    def of(cls, record: PostingRecord) -> _PostingTokens:
        return cls(
            title=index_tokens(record.title),
            description=index_tokens(record.description),
            skills=index_tokens(" ".join(record.skills)),
            certificates=index_tokens(" ".join(record.certificates)),
        )

    def derived(self, record: PostingRecord) -> PostingDerived:
        code = record.location.region_code
        words = {*self.title, *self.description, *self.skills, *self.certificates}
        return PostingDerived(
            region_path=region_path(code) if code else [],
            title_words=sorted(set(self.title)),
            words=sorted(words | {*record.skills, *record.certificates}),
        )


def dedup_bands(record: PostingRecord) -> list[str]:
    """The posting's LSH band tokens (none when it cannot be compared): what its duplicates share with it."""
    found = fingerprint(record)
    return sorted(found.tokens) if found else []


def _review_fields(record: PostingRecord, review: ReviewState | None) -> dict[str, Any]:
    if review is None:
        return {}
    code = record.location.region_code
    return {
        PostingField.FLAGS: [flag.kind for flag in record.flags],
        PostingField.REVIEW: review,
        PostingField.REVIEW_REGION_PATH: region_path(code) if code else [],
        PostingField.REVIEW_SOURCE: record.source,
        PostingField.REVIEW_UPDATED_AT: int(record.updated_at.timestamp()),
    }


def posting_doc(
    record: PostingRecord,
    *,
    now: float | None = None,
    review: ReviewState | None = None,
    duplicate_of: str | None = None,
    bands: list[str] | None = None,
) -> IndexDoc:
    """``review``: the flagged posting's review state (shared.domain.review); pending when not given.
    ``duplicate_of``: the canonical posting this open one duplicates (it then leaves the searchable set
    as an expired one does, keeping its band tokens and its link); ``bands``: its band tokens when the
    caller has them (computed here otherwise)."""
    review = (review or "pending") if record.flags else None
    tokens = _PostingTokens.of(record)
    status = indexed_status(record, time.time() if now is None else now, review)
    if status != OPEN:
        duplicate_of = None
    derived = tokens.derived(record)
    source = IndexedPosting(
        **dict(record), derived=derived, review=review, duplicate_of=duplicate_of
    ).model_dump(mode="json")
    if status != OPEN:
        # Out of the searchable set: found by its id (the public view, deletes), never by a search.
        hidden = {PostingField.STATUS: status, **_review_fields(record, review)}
        return IndexDoc(id=record.id, version=record.version, fields=hidden, source=source)
    bands = dedup_bands(record) if bands is None else bands
    if duplicate_of is not None:
        linked: dict[str, Any] = {
            PostingField.STATUS: DUPLICATE,
            PostingField.DEDUP_BANDS: bands,
            PostingField.DUPLICATE_OF: duplicate_of,
            **_review_fields(record, review),
        }
        return IndexDoc(id=record.id, version=record.version, fields=linked, source=source)
    employer = index_tokens(
        _joined(" ".join(record.benefits), record.employer.name, record.employer.industry)
    )
    path = derived.region_path
    expires_at = int(record.expires_at.timestamp()) if record.expires_at else NEVER_EXPIRES
    fields: dict[str, Any] = {
        PostingField.TITLE: " ".join(tokens.title),
        PostingField.BODY: " ".join([*tokens.description, *tokens.skills, *tokens.certificates, *employer]),
        PostingField.PLACE: index_text(place_names(record.location)),
        PostingField.REGION_PATH: path,
        PostingField.REGION_CODE: record.location.region_code,
        PostingField.CITY_CODE: _city_code(path),
        PostingField.TARGET_PROVINCES: record.target_provinces,
        PostingField.JOB_TYPE: record.job_type,
        PostingField.EDUCATION_MIN: record.education_min or "不限",
        PostingField.EDUCATION_RANK: education_rank(record.education_min) if record.education_min else 0,
        PostingField.EXPERIENCE_MIN: record.experience_min_years,
        PostingField.CERTIFICATES: sorted({normalize(item) for item in record.certificates}),
        PostingField.PROGRAMMES: record.programmes,
        PostingField.STATUS: status,
        PostingField.SOURCE: record.source,
        PostingField.SALARY_TOP: record.salary_top,
        PostingField.SALARY_BOTTOM: record.salary_min,
        PostingField.POSTED_AT: int(record.posted_at.timestamp()),
        PostingField.EXPIRES_AT: expires_at,
        PostingField.DEDUP_BANDS: bands,
        PostingField.VACANCIES: record.headcount or 1,
        **_review_fields(record, review),
    }
    return IndexDoc(id=record.id, version=record.version, fields=fields, source=source)


def indexed_posting(source: dict[str, Any]) -> IndexedPosting:
    """A posting as the index handed it back.

    A document indexed before derived values were stored (an index kept from
    an earlier release) is the bare record: its values are derived here, so it
    reads the same until the record is written again.
    """
    if "derived" in source:
        return IndexedPosting.model_validate(source)
    record = stored_posting(source)
    return IndexedPosting(**dict(record), derived=_PostingTokens.of(record).derived(record))


_INDEXING_ONLY = frozenset({"derived", "review", "duplicate_of"})


def stored_posting(source: dict[str, Any]) -> PostingRecord:
    """The record of a posting the index handed back, without what indexing derived.

    What search answers and the public view read: validating the derived words
    (every token of the description) would be work for nothing on every hit.
    """
    return PostingRecord.model_validate(
        {key: value for key, value in source.items() if key not in _INDEXING_ONLY}
    )


def duplicate_link(source: dict[str, Any]) -> str | None:
    """The canonical's id when the posting the index handed back duplicates one."""
    link = source.get("duplicate_of")
    return link if isinstance(link, str) else None


def seeker_doc(record: SeekerRecord) -> IndexDoc:
    code = record.region_code
    path = region_path(code) if code else []
    desired_path = sorted({c for d in record.desired_region_codes for c in region_path(d)})
    body = _joined(" ".join(record.skills), " ".join(record.certificates), record.major, record.work_history)
    fields: dict[str, Any] = {
        SeekerField.TITLE: index_text(" ".join(record.desired_titles)),
        SeekerField.BODY: index_text(body),
        SeekerField.REGION_PATH: path,
        SeekerField.DESIRED_REGION_PATH: desired_path,
        SeekerField.CITY_CODE: _city_code(path),
        SeekerField.GROUPS: record.groups,
        SeekerField.EDUCATION: record.education or "不限",
        SeekerField.EDUCATION_RANK: education_rank(record.education) if record.education else 0,
        SeekerField.STATUS: record.status,
        SeekerField.CONSENT: "yes" if record.consent_share_with_partners else "no",
        SeekerField.SOURCE: record.source,
        SeekerField.EXPECTED_SALARY_MIN: int(record.expected_salary_min)
        if record.expected_salary_min
        else None,
        SeekerField.UPDATED_AT: int(record.updated_at.timestamp()),
        SeekerField.PERSON: record.id_number_hash,
    }
    return IndexDoc(
        id=record.id, version=record.version, fields=fields, source=record.model_dump(mode="json")
    )


def stored_seeker(source: dict[str, Any]) -> SeekerRecord:
    """A seeker as the index handed it back."""
    return SeekerRecord.model_validate(source)
