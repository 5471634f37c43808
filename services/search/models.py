"""What the search endpoints answer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.web.posting_views import PostingSummary


class PostingHit(PostingSummary):
    score: float = Field(description="text relevance; 0 when sorted by a field")
    highlights: dict[str, str] = Field(
        description="field (title, description) → a stretch of it with the query's words in <em>"
    )


class FacetBucket(BaseModel):
    key: str
    count: int
    name: str | None = Field(default=None, description="the region's name, for region buckets")


class SearchResponse(BaseModel):
    total: int
    page: int
    size: int
    hits: list[PostingHit]
    facets: dict[str, list[FacetBucket]] = Field(
        description="facet name (region, job_type, education, salary) → buckets; region buckets are cities"
    )
