"""The same ranking expectations on both search-index adapters.

Search and match order must agree between tantivy and Elasticsearch: both
score with BM25 (k1 1.2, b 0.75) over the same tokens, Elasticsearch runs one
shard so its statistics are index-wide like tantivy's. The corpus has no tied
scores, because the backends break ties differently (each one a total order,
see SearchRequest.sort). Tolerance: orders must be identical; scores are compared only
within one backend (float32 BM25 differs in the last digits across engines).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.matcher.matching import match_postings
from services.matcher.scoring import Profile
from services.search.query import PostingSearch, build_posting_request
from shared.ports.search_index import SearchIndex
from tests.helpers import checked_posting_docs, posting, postings_index

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def day(offset: int) -> str:
    return (NOW - timedelta(days=offset)).isoformat()


CORPUS = [
    posting("a", "电工", description="负责车间配电维护。", salary="6000-7000", posted_at=day(3)),
    posting("b", "维修电工", description="设备维修保养，三班倒。", salary="7000-9000", posted_at=day(1)),
    posting("c", "设备维护员", description="要求持电工证，会看图纸。", salary="5000-6000", posted_at=day(2)),
    posting("d", "电子厂普工", description="电子元件插件，包吃住。", salary="4500-5500", posted_at=day(0)),
    posting(
        "e",
        "电焊工",
        description="二保焊、氩弧焊熟练。",
        salary="8000-10000",
        location="昆山市",
        posted_at=day(5),
        target_provinces=["410000"],
    ),
    posting(
        "f",
        "电工",
        description="小区物业电工，持证上岗。",
        salary="4000-5000",
        location="河南省开封市兰考县",
        posted_at=day(4),
    ),
    posting("g", "电工", description="已招满。", status="closed", posted_at=day(1)),
    posting("h", "叉车司机", description="持叉车证，仓库装卸。", salary="5500-6500", posted_at=day(6)),
]


@pytest.fixture(params=["tantivy", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    docs = checked_posting_docs(CORPUS, received_at=NOW)
    with postings_index(request, tmp_path, "rank") as opened:
        opened.upsert(docs)
        opened.refresh()
        yield opened


def ids(index: SearchIndex, **params: object) -> list[str]:
    request, _ = build_posting_request(PostingSearch(facets=(), **params), now=NOW.timestamp())  # type: ignore[arg-type]
    return [hit.id.removeprefix("test:") for hit in index.search(request).hits]


def test_relevance_order(index: SearchIndex) -> None:
    # Title and body hits first, then title-only (shorter title first), a body-only mention last;
    # never 电子, never the closed post.
    assert ids(index, q="电工") == ["f", "a", "b", "c"]


def test_sorted_orders(index: SearchIndex) -> None:
    assert ids(index, sort="salary") == ["e", "b", "a", "h", "c", "d", "f"]
    assert ids(index, sort="newest") == ["d", "b", "c", "a", "f", "e", "h"]
    assert ids(index, q="电工", sort="salary", region="410000") == ["b", "a", "c", "f"]


def test_match_order(index: SearchIndex) -> None:
    profile = Profile(
        desired_titles=["电工"], certificates=["电工证"], region_code="410105", expected_salary_min=6000
    )
    ranked = [
        s.posting.source_id for s in match_postings(profile, postings=index, limit=5, now=NOW.timestamp())
    ]
    assert ranked == ["a", "b", "c", "f"]
    mover = Profile(desired_titles=["焊工"], region_code="410225", willing_to_relocate=True)
    top = match_postings(mover, postings=index, limit=3, now=NOW.timestamp())[0]
    assert top.posting.source_id == "e" and "省际劳务协作" in top.reasons
