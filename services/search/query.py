"""Search parameters → a port query, and index hits → public results with highlights."""

from __future__ import annotations

import html
import re
import time
import unicodedata
from dataclasses import dataclass

from services.search.models import FacetBucket, PostingHit, SortOrder
from shared.domain.education import education_rank
from shared.domain.problems import shown
from shared.domain.records import PostingRecord
from shared.domain.regions import get_region
from shared.errors import BadRequest
from shared.index.fields import PostingField
from shared.index.posting_queries import (
    POSTING_TEXT_FIELDS,
    education_label,
    known_region_code,
    open_postings,
)
from shared.ports.search_index import (
    Facet,
    Filter,
    Range,
    RangeFacet,
    SearchRequest,
    SortBy,
    Terms,
    TermsFacet,
    TextQuery,
)
from shared.text.alternation import longest_first
from shared.text.pipeline import query_groups, query_tokens
from shared.web.posting_views import posting_summary

SALARY_BANDS: tuple[tuple[str, float | None, float | None], ...] = (
    ("3000以下", None, 3000),
    ("3000-5000", 3000, 5000),
    ("5000-8000", 5000, 8000),
    ("8000-12000", 8000, 12000),
    ("12000以上", 12000, None),
)
FACETS: dict[str, Facet] = {
    "region": TermsFacet(PostingField.CITY_CODE, size=50),
    "job_type": TermsFacet(PostingField.JOB_TYPE),
    "education": TermsFacet(PostingField.EDUCATION_MIN),
    "salary": RangeFacet(PostingField.SALARY_TOP, SALARY_BANDS),
}


@dataclass(frozen=True)
class PostingSearch:
    q: str | None = None
    region: str | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    """CNY per month: posts whose pay starts at or below it (read from 工资5000-7000 in q)."""
    education: str | None = None
    job_type: str | None = None
    programme: str | None = None
    posted_within_days: int | None = None
    sort: SortOrder = "relevance"
    page: int = 1
    size: int = 10
    facets: tuple[str, ...] = tuple(FACETS)


def build_posting_request(
    params: PostingSearch, *, now: float | None = None
) -> tuple[SearchRequest, list[str]]:
    """The port request and the query's tokens (for highlighting); page depth and size are the route's to
    check (shared.web.limits.check_page, against the settings)."""
    filters: list[Filter] = []
    if params.region:
        filters.append(Terms(PostingField.REGION_PATH, (known_region_code(params.region, "region"),)))
    if params.salary_min is not None:
        filters.append(Range(PostingField.SALARY_TOP, gte=params.salary_min))
    if params.salary_max is not None:
        filters.append(Range(PostingField.SALARY_BOTTOM, lte=params.salary_max))
    if params.education:
        # The kiosk user states their own level: show posts that ask for it or less.
        filters.append(
            Range(PostingField.EDUCATION_RANK, lte=education_rank(education_label(params.education)))
        )
    if params.job_type:
        filters.append(Terms(PostingField.JOB_TYPE, (params.job_type,)))
    if params.programme:
        filters.append(Terms(PostingField.PROGRAMMES, (params.programme,)))
    if params.posted_within_days is not None:
        filters.append(
            Range(PostingField.POSTED_AT, gte=int((now or time.time()) - params.posted_within_days * 86400))
        )

    groups = query_groups(params.q) if params.q else []
    if params.q and params.q.strip() and not groups:
        # Only punctuation or function words: nothing to look for, so nothing matches (not everything).
        filters.append(Terms(PostingField.STATUS, ()))
    text = TextQuery(tuple(groups), POSTING_TEXT_FIELDS, require_all=True) if groups else None
    sort = None
    if params.sort == "newest" or (params.sort == "relevance" and text is None):
        sort = SortBy(PostingField.POSTED_AT, descending=True)
    elif params.sort == "salary":
        sort = SortBy(PostingField.SALARY_TOP, descending=True)
    unknown = [name for name in params.facets if name not in FACETS]
    if unknown:
        raise BadRequest(f"未知的分面 {shown(', '.join(unknown))}", code="UNKNOWN_FACET")
    request = SearchRequest(
        text=text,
        filters=open_postings(filters, has_text=text is not None, now=now),
        sort=sort,
        offset=(params.page - 1) * params.size,
        limit=params.size,
        facets={name: FACETS[name] for name in params.facets},
    )
    return request, query_tokens(groups)


def highlight(text: str, tokens: list[str], *, window: int = 40) -> str | None:
    """The first stretch of ``text`` around a query token, tokens wrapped in <em>; None when none occurs."""
    if not text or not tokens:
        return None
    pattern = re.compile(longest_first(tokens), re.IGNORECASE)
    # Tokens are NFKC-normalised (ＣＮＣ is cnc): match on the text folded the same way, where that keeps every
    # character's place, and mark the text as written.
    folded = unicodedata.normalize("NFKC", text)
    searched = folded if len(folded) == len(text) else text
    first = pattern.search(searched)
    if first is None:
        return None
    start = max(0, first.start() - window // 2)
    end = min(len(text), start + window * 2)
    snippet = text[start:end]
    # Escape around the matches, not before matching: a token must not match inside "&amp;".
    pieces, last = [], 0
    for found in pattern.finditer(searched, start, end):
        pieces += [
            html.escape(text[start + last : found.start()]),
            f"<em>{html.escape(text[found.start() : found.end()])}</em>",
        ]
        last = found.end() - start
    marked = "".join(pieces) + html.escape(snippet[last:])
    return ("…" if start else "") + marked + ("…" if end < len(text) else "")


def posting_hit(posting: PostingRecord, score: float, tokens: list[str]) -> PostingHit:
    highlights = {}
    for field, text in (("title", posting.title), ("description", posting.description)):
        marked = highlight(text, tokens)
        if marked:
            highlights[field] = marked
    summary = posting_summary(posting)
    return PostingHit(**dict(summary), score=round(score, 4), highlights=highlights)


def facet_buckets(facets: dict[str, list[tuple[str, int]]]) -> dict[str, list[FacetBucket]]:
    out: dict[str, list[FacetBucket]] = {}
    for name, buckets in facets.items():
        rows = []
        for key, count in buckets:
            region = get_region(key) if name == "region" else None
            rows.append(FacetBucket(key=key, count=count, name=region.name if region else None))
        out[name] = rows
    return out
