"""One contract, two adapters: every test here runs on tantivy and on Elasticsearch.

Text fields hold already-segmented, lower-cased tokens, as ``shared.text.pipeline``
would produce them.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from shared.ports.search_index import (
    Alternative,
    AnyOf,
    Exists,
    IndexDoc,
    IndexSchema,
    Not,
    Purge,
    Range,
    RangeFacet,
    SearchIndex,
    SearchRequest,
    SortBy,
    SumFacet,
    Terms,
    TermsFacet,
    TextQuery,
)

SCHEMA = IndexSchema(
    name="contract",
    fields={
        "title": "text",
        "body": "text",
        "region": "keyword",
        "tags": "keyword",
        "salary": "int",
        "rating": "float",
        "posted": "date",
    },
)


class IndexStore:
    """One fresh storage (a directory, or an index prefix) that adapters can be opened on."""

    def __init__(self, open_index: Callable[[], SearchIndex]) -> None:
        self._open_index = open_index
        self.open: list[SearchIndex] = []

    def open_adapter(self) -> SearchIndex:
        self.open.append(self._open_index())
        return self.open[-1]

    def reopen(self, adapter: SearchIndex) -> SearchIndex:
        """Close ``adapter`` (as a stopping process would) and open a new one on the same storage."""
        self.open.remove(adapter)
        adapter.close()
        return self.open_adapter()


@pytest.fixture(
    params=[
        "tantivy",
        pytest.param("elasticsearch", marks=pytest.mark.elasticsearch),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexStore]:
    cleanup: Callable[[], None] = lambda: None
    if request.param == "tantivy":
        from shared.adapters.tantivy_index import TantivyIndex

        store = IndexStore(lambda: TantivyIndex(SCHEMA, tmp_path / "index"))
    else:
        from elasticsearch import Elasticsearch

        from shared.adapters.es_index import open_elasticsearch_index

        url: str = request.getfixturevalue("elasticsearch_url")
        prefix = f"contract-{uuid.uuid4().hex[:12]}"
        store = IndexStore(lambda: open_elasticsearch_index(SCHEMA, url=url, prefix=prefix))

        def cleanup() -> None:
            with Elasticsearch(url) as admin:
                # Deleting by wildcard is refused by default (destructive_requires_name).
                names = list(admin.indices.get(index=f"{prefix}-*", expand_wildcards="all"))
                if names:
                    admin.indices.delete(index=",".join(names))

    yield store
    for adapter in store.open:
        adapter.close()
    cleanup()


@pytest.fixture
def index(store: IndexStore) -> SearchIndex:
    return store.open_adapter()


def doc(doc_id: str, version: int = 1, **fields: Any) -> IndexDoc:
    return IndexDoc(id=doc_id, version=version, fields=fields, source={"id": doc_id, "v": version, **fields})


def fill(index: SearchIndex, *docs: IndexDoc) -> None:
    outcomes = index.upsert(list(docs))
    assert [o.status for o in outcomes] == ["created"] * len(docs), outcomes
    index.refresh()


def ids_of(index: SearchIndex, request: SearchRequest) -> list[str]:
    return [hit.id for hit in index.search(request).hits]


def walk(index: SearchIndex, request: SearchRequest, *, page_size: int) -> list[str]:
    """The ids of every page of ``request``, ``page_size`` at a time, until a short page."""
    walked: list[str] = []
    while True:
        page = index.search(replace(request, offset=len(walked), limit=page_size))
        walked += [hit.id for hit in page.hits]
        if len(page.hits) < page_size:
            assert len(walked) == page.total
            return walked


def text(*groups: tuple[Alternative, ...], require_all: bool = True, **boosts: float) -> TextQuery:
    return TextQuery(groups=groups, fields=boosts or {"title": 1.0, "body": 1.0}, require_all=require_all)


# --- writes ---------------------------------------------------------------------


def test_upsert_then_get_returns_the_source(index: SearchIndex) -> None:
    source = {
        "id": "a",
        "title": "电工",
        "employer": {"name": "某某公司", "size": 30},
        "benefits": ["五险一金"],
    }
    outcomes = index.upsert([IndexDoc(id="a", version=5, fields={"title": "电工"}, source=source)])
    index.refresh()

    assert [(o.id, o.status) for o in outcomes] == [("a", "created")]
    assert index.get("a") == source
    assert index.get("missing") is None


def test_get_many_returns_the_sources_found_by_id(index: SearchIndex) -> None:
    index.upsert([doc(name, 3, title="电工") for name in ("a", "b", "c")])
    index.delete(["b"])
    # No refresh: what a lookup reads is as current as ``get``.
    index.upsert([doc("c", 4, title="焊工")])

    found = index.get_many(["c", "a", "b", "missing", "a"])

    assert found == {"a": index.get("a"), "c": index.get("c")}
    assert found["c"] is not None and found["c"]["title"] == "焊工"
    assert index.get_many([]) == {}


def test_newer_version_updates_and_older_version_is_stale(index: SearchIndex) -> None:
    assert index.upsert([doc("a", 10, title="电工")])[0].status == "created"
    # No refresh in between: a replay must be judged against the latest write, not the last refresh.
    assert index.upsert([doc("a", 20, title="焊工")])[0].status == "updated"
    stale = index.upsert([doc("a", 15, title="厨师")])
    index.refresh()

    assert [(o.id, o.status) for o in stale] == [("a", "stale")]
    assert index.get("a") == {"id": "a", "v": 20, "title": "焊工"}
    assert ids_of(index, SearchRequest(text=text(("焊工",)))) == ["a"]
    assert ids_of(index, SearchRequest(text=text(("厨师",)))) == []
    assert index.count() == 1


def test_replaying_the_same_version_is_harmless(index: SearchIndex) -> None:
    fill(index, doc("a", 7, title="电工"), doc("b", 7, title="焊工"))

    replay = index.upsert([doc("a", 7, title="电工"), doc("b", 7, title="焊工")])
    index.refresh()

    assert [o.status for o in replay] == ["updated", "updated"]
    assert index.count() == 2
    assert index.get("a") == {"id": "a", "v": 7, "title": "电工"}


def test_versions_of_many_ids_in_one_lookup(index: SearchIndex) -> None:
    fill(index, doc("a", 7), doc("b", 1_763_000_000_123))
    # No refresh after these: the versions must be the latest writes, as the stale check reads them.
    index.upsert([doc("a", 9)])
    index.delete(["b"])
    index.upsert([doc("c", 3)])

    assert index.versions(["a", "b", "c", "never", "a"]) == {"a": 9, "c": 3}
    assert index.versions([]) == {}


def test_outcomes_follow_batch_order_even_for_a_repeated_id(index: SearchIndex) -> None:
    outcomes = index.upsert([doc("b", 1), doc("a", 2, title="新"), doc("a", 1, title="旧"), doc("c", 1)])
    index.refresh()

    assert [(o.id, o.status) for o in outcomes] == [
        ("b", "created"),
        ("a", "created"),
        ("a", "stale"),
        ("c", "created"),
    ]
    assert index.get("a") == {"id": "a", "v": 2, "title": "新"}


def test_delete_removes_documents_and_ignores_unknown_ids(index: SearchIndex) -> None:
    fill(index, doc("a", title="电工"), doc("b", title="电工"), doc("c", title="电工"))

    index.delete(["a", "c", "never-existed"])
    index.refresh()

    assert index.get("a") is None
    assert index.get("b") == {"id": "b", "v": 1, "title": "电工"}
    assert index.count() == 1
    assert ids_of(index, SearchRequest(text=text(("电工",)))) == ["b"]


def test_writes_survive_reopening(index: SearchIndex, store: IndexStore) -> None:
    fill(index, doc("a", 3, title="电工 持证"), doc("b", 3, title="焊工"))

    reopened = store.reopen(index)

    assert reopened.get("a") == {"id": "a", "v": 3, "title": "电工 持证"}
    assert reopened.count() == 2
    assert ids_of(reopened, SearchRequest(text=text(("持证",)))) == ["a"]
    # Versions survive too: an old replay after the restart stays stale.
    assert reopened.upsert([doc("a", 2, title="厨师")])[0].status == "stale"


def fields_of(source: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields ``doc`` indexed, back from the source it stored (what a purge may rebuild from)."""
    return {name: value for name, value in source.items() if name not in ("id", "v")}, source


def purged(index: SearchIndex, *, within_s: float = 90.0) -> int:
    """Purge until nothing deleted is left; how many documents that dropped.

    Elasticsearch keeps the newest deletes until the shard's retention leases are renewed (every
    30 s); tantivy drops everything the first time.
    """
    deadline = time.monotonic() + within_s
    dropped = 0
    while True:
        purge = index.purge_deleted(fields_of)
        dropped += purge.dropped
        if purge.left == 0:
            return dropped
        assert time.monotonic() < deadline, f"{purge.left} deleted documents left after {within_s}s"
        time.sleep(1.0)


def test_purge_drops_deleted_documents_and_changes_no_answer(index: SearchIndex) -> None:
    fill(
        index,
        doc("a", title="电工", region=["41"], salary=5000),
        doc("b", title="电工", region=["41"], salary=6000),
        doc("c", title="焊工", region=["42"], salary=7000),
    )
    index.delete(["b"])
    assert index.upsert([doc("c", 2, title="焊工 持证", region=["42"], salary=7500)])[0].status == "updated"
    index.refresh()
    request = SearchRequest(
        text=text(("电工", "焊工"), require_all=False),
        filters=(Range("salary", gte=5000),),
        facets={"region": TermsFacet("region")},
        sort=SortBy("salary"),
    )
    before = index.search(request)

    # b, and c's first version: both deleted but still in storage until now (Elasticsearch also
    # counts the marker a delete leaves).
    assert purged(index) >= 2
    index.refresh()

    assert index.purge_deleted(fields_of).dropped == 0  # nothing left to drop
    after = index.search(request)
    assert [(h.id, h.source) for h in after.hits] == [(h.id, h.source) for h in before.hits]
    assert (after.total, after.facets) == (before.total, before.facets)
    assert before.facets == {"region": [("41", 1), ("42", 1)]}
    assert ids_of(index, SearchRequest(text=text(("持证",)))) == ["c"]
    assert index.get("b") is None
    assert index.get("a") == {"id": "a", "v": 1, "title": "电工", "region": ["41"], "salary": 5000}
    # Versions survive the rewrite: an old replay stays stale.
    assert index.upsert([doc("c", 1, title="厨师")])[0].status == "stale"


def test_purge_with_nothing_deleted_does_nothing(index: SearchIndex) -> None:
    assert index.purge_deleted(fields_of) == Purge(dropped=0, left=0)  # an empty index
    fill(index, doc("a", title="电工"))
    assert index.purge_deleted(fields_of) == Purge(dropped=0, left=0)
    assert index.get("a") == {"id": "a", "v": 1, "title": "电工"}


def test_ping(index: SearchIndex) -> None:
    assert index.ping() is True


# --- text -----------------------------------------------------------------------


@pytest.fixture
def trades(index: SearchIndex) -> SearchIndex:
    fill(
        index,
        doc("d1", title="电工 持证"),
        doc("d2", title="电工"),
        doc("d3", title="焊工", body="持证 上岗"),
        doc("d4", title="厨师", body="包吃住"),
        doc("d5", title="电子 电商", body="运营"),
    )
    return index


def test_every_group_must_match_when_require_all(trades: SearchIndex) -> None:
    request = SearchRequest(text=text(("电工", "焊工"), ("持证",)))

    assert sorted(ids_of(trades, request)) == ["d1", "d3"]
    assert trades.search(request).total == 2


def test_any_group_may_match_when_not_require_all(trades: SearchIndex) -> None:
    result = trades.search(SearchRequest(text=text(("电工", "焊工"), ("持证",), require_all=False)))
    ids = [hit.id for hit in result.hits]

    assert sorted(ids) == ["d1", "d2", "d3"]
    assert result.total == 3
    assert ids[-1] == "d2", "a doc matching both groups must outrank one matching a single group"
    assert all(hit.score > 0 for hit in result.hits)


def test_without_counting_the_total_the_hits_and_their_order_are_the_same(trades: SearchIndex) -> None:
    counted = SearchRequest(text=text(("电工", "焊工"), ("持证",), require_all=False), limit=2)
    uncounted = trades.search(replace(counted, count_total=False))
    assert [(h.id, h.score) for h in uncounted.hits] == [(h.id, h.score) for h in trades.search(counted).hits]
    assert uncounted.total == len(uncounted.hits) == 2


def test_a_not_filter_beside_text_and_alone(postings: SearchIndex) -> None:
    """A top-level Not excludes beside the rest of the query; alone, it excludes from everything."""
    assert filtered(postings, Not(Range("salary", lte=4000))) == ["p2", "p3", "p5"]
    both = (Terms("region", ("410000",)), Not(Terms("tags", ("包吃住",))))
    assert filtered(postings, *both) == ["p1", "p2"]


def test_tokens_match_whole_not_by_shared_characters(trades: SearchIndex) -> None:
    assert ids_of(trades, SearchRequest(text=text(("电工",)))) != []
    assert "d5" not in ids_of(trades, SearchRequest(text=text(("电工",))))
    assert ids_of(trades, SearchRequest(text=text(("电",)))) == []
    assert ids_of(trades, SearchRequest(text=text(("电子",)))) == ["d5"]
    assert ids_of(trades, SearchRequest(text=text(("电商",)))) == ["d5"]


def test_a_tuple_alternative_needs_all_its_tokens_in_any_field(trades: SearchIndex) -> None:
    # d3 has 焊工 in its title and 持证 in its body; d1 both in its title; d5 neither.
    assert sorted(ids_of(trades, SearchRequest(text=text((("焊工", "持证"),))))) == ["d3"]
    assert sorted(ids_of(trades, SearchRequest(text=text(("厨师", ("电工", "持证")))))) == ["d1", "d4"]
    assert ids_of(trades, SearchRequest(text=text((("电子", "持证"),)))) == []


def test_text_only_searches_the_named_fields(trades: SearchIndex) -> None:
    assert ids_of(trades, SearchRequest(text=text(("持证",), title=1.0))) == ["d1"]
    assert ids_of(trades, SearchRequest(text=text(("持证",), body=1.0))) == ["d3"]


def test_field_boosts_decide_the_order(index: SearchIndex) -> None:
    # Mirror-image docs: only the boosts can separate them.
    fill(
        index,
        doc("in-title", title="焊工", body="学徒"),
        doc("in-body", title="学徒", body="焊工"),
        doc("other", title="厨师", body="厨师"),
    )

    title_first = index.search(SearchRequest(text=text(("焊工",), title=4.0, body=1.0)))
    body_first = index.search(SearchRequest(text=text(("焊工",), title=1.0, body=4.0)))

    assert [h.id for h in title_first.hits] == ["in-title", "in-body"]
    assert [h.id for h in body_first.hits] == ["in-body", "in-title"]
    assert title_first.hits[0].score > title_first.hits[1].score


def test_relevance_ties_keep_one_order_and_no_text_orders_by_id(index: SearchIndex) -> None:
    fill(index, *(doc(doc_id, title="普工") for doc_id in ["m", "z", "a", "k"]), doc("x", title="司机"))

    tied = ids_of(index, SearchRequest(text=text(("普工",))))
    # Which tie comes first is the engine's (by id on Elasticsearch, by document address on tantivy),
    # but it is one order: the same every time, and paging through it cuts that same order.
    assert sorted(tied) == ["a", "k", "m", "z"]
    assert ids_of(index, SearchRequest(text=text(("普工",)))) == tied
    assert walk(index, SearchRequest(text=text(("普工",))), page_size=1) == tied
    # No text: every score is equal and both engines order by id.
    assert ids_of(index, SearchRequest()) == ["a", "k", "m", "x", "z"]


# --- filters --------------------------------------------------------------------


@pytest.fixture
def postings(index: SearchIndex) -> SearchIndex:
    fill(
        index,
        doc(
            "p1",
            title="电工",
            region=["410000", "410200", "410225"],
            tags=["五险一金"],
            salary=3000,
            rating=4.5,
            posted=1_700_000_000,
        ),
        doc("p2", title="电工", region=["410000", "410100"], salary=5000, rating=3.0, posted=1_700_100_000),
        doc(
            "p3",
            title="焊工",
            region=["440000", "440300"],
            tags=["包吃住", "五险一金"],
            salary=8000,
            rating=4.9,
            posted=1_700_200_000,
        ),
        doc(
            "p4",
            title="厨师",
            region=["410000", "410200"],
            tags=["包吃住"],
            salary=4000,
            rating=2.5,
            posted=1_700_300_000,
        ),
        doc("p5", title="司机", region=["440000"], salary=6500, rating=4.0, posted=1_700_400_000),
    )
    return index


def filtered(index: SearchIndex, *filters: Any) -> list[str]:
    result = index.search(SearchRequest(filters=filters, limit=50))
    assert result.total == len(result.hits) == index.count(filters)
    return sorted(hit.id for hit in result.hits)


def test_terms_filter_matches_any_value_of_a_multi_valued_field(postings: SearchIndex) -> None:
    assert filtered(postings, Terms("region", ("410200",))) == ["p1", "p4"]
    assert filtered(postings, Terms("region", ("410225",))) == ["p1"]
    assert filtered(postings, Terms("region", ("410100", "440300"))) == ["p2", "p3"]
    assert filtered(postings, Terms("region", ("4102",))) == []
    assert filtered(postings, Terms("salary", (5000, 8000))) == ["p2", "p3"]


def test_range_filter_bounds_are_inclusive_and_may_be_open(postings: SearchIndex) -> None:
    assert filtered(postings, Range("salary", gte=4000, lte=6500)) == ["p2", "p4", "p5"]
    assert filtered(postings, Range("salary", gte=6500)) == ["p3", "p5"]
    assert filtered(postings, Range("salary", lte=3000)) == ["p1"]
    assert filtered(postings, Range("rating", gte=4.0, lte=4.6)) == ["p1", "p5"]
    assert filtered(postings, Range("posted", gte=1_700_100_000, lte=1_700_200_000)) == ["p2", "p3"]


def test_exists_not_and_any_of(postings: SearchIndex) -> None:
    assert filtered(postings, Exists("tags")) == ["p1", "p3", "p4"]
    assert filtered(postings, Not(Exists("tags"))) == ["p2", "p5"]
    assert filtered(postings, Not(Terms("region", ("410000",)))) == ["p3", "p5"]
    cheap_or_board = AnyOf((Terms("tags", ("包吃住",)), Range("salary", lte=3000)))
    assert filtered(postings, cheap_or_board) == ["p1", "p3", "p4"]
    assert filtered(postings, Not(AnyOf((Terms("region", ("440000",)), Exists("tags"))))) == ["p2"]


def test_filters_are_combined_with_and_and_with_text(postings: SearchIndex) -> None:
    assert filtered(postings, Terms("region", ("410000",)), Range("salary", gte=4000)) == ["p2", "p4"]
    assert filtered(postings) == ["p1", "p2", "p3", "p4", "p5"]

    request = SearchRequest(text=text(("电工",)), filters=(Terms("tags", ("五险一金",)),))
    assert ids_of(postings, request) == ["p1"]
    assert postings.count([Terms("tags", ("五险一金",))]) == 2


# --- sorting, paging, facets ----------------------------------------------------


def test_sort_by_a_numeric_field_both_ways(postings: SearchIndex) -> None:
    fill(postings, doc("p0", title="电工", region=["410000"], salary=5000))

    descending = ids_of(postings, SearchRequest(sort=SortBy("salary")))
    ascending = ids_of(postings, SearchRequest(sort=SortBy("salary", descending=False)))

    # p0 and p2 both earn 5000; which of them comes first is the engine's tie-break.
    assert descending[:2] == ["p3", "p5"] and descending[4:] == ["p4", "p1"]
    assert ascending[:2] == ["p1", "p4"] and ascending[4:] == ["p5", "p3"]
    assert sorted(descending[2:4]) == sorted(ascending[2:4]) == ["p0", "p2"]
    for sort in (SortBy("salary"), SortBy("salary", descending=False)):
        assert walk(postings, SearchRequest(sort=sort), page_size=1) == ids_of(
            postings, SearchRequest(sort=sort)
        )
    assert ids_of(postings, SearchRequest(sort=SortBy("posted", descending=True), limit=2)) == ["p5", "p4"]
    # Sorting reorders matches; it never widens them.
    by_salary = ids_of(postings, SearchRequest(text=text(("电工",)), sort=SortBy("salary")))
    assert sorted(by_salary[:2]) == ["p0", "p2"] and by_salary[2:] == ["p1"]


def test_paging_is_stable_and_keeps_the_total(postings: SearchIndex) -> None:
    pages = [
        postings.search(SearchRequest(sort=SortBy("salary"), offset=offset, limit=2))
        for offset in (0, 2, 4, 6)
    ]

    assert [page.total for page in pages] == [5, 5, 5, 5]
    assert [[hit.id for hit in page.hits] for page in pages] == [["p3", "p5"], ["p2", "p4"], ["p1"], []]
    assert [hit.id for hit in postings.search(SearchRequest(offset=1, limit=3)).hits] == ["p2", "p3", "p4"]


def test_hits_carry_the_source(postings: SearchIndex) -> None:
    (hit,) = postings.search(SearchRequest(filters=(Terms("region", ("410225",)),))).hits

    assert hit.id == "p1"
    assert hit.source["id"] == "p1"
    assert hit.source["region"] == ["410000", "410200", "410225"]


def test_terms_facet_counts_by_count_then_value(postings: SearchIndex) -> None:
    result = postings.search(
        SearchRequest(facets={"region": TermsFacet("region"), "top": TermsFacet("tags", size=1)})
    )

    assert result.facets["region"] == [
        ("410000", 3),
        ("410200", 2),
        ("440000", 2),
        ("410100", 1),
        ("410225", 1),
        ("440300", 1),
    ]
    # 五险一金 and 包吃住 both count 2: the tie goes to the smaller value.
    assert result.facets["top"] == [("五险一金", 2)]


def test_facets_count_the_matching_documents_only(postings: SearchIndex) -> None:
    result = postings.search(
        SearchRequest(filters=(Terms("region", ("410000",)),), limit=1, facets={"tags": TermsFacet("tags")})
    )

    assert result.total == 3 and len(result.hits) == 1
    # Tied counts: values in ascending order (五 U+4E94 before 包 U+5305).
    assert result.facets["tags"] == [("五险一金", 1), ("包吃住", 1)]


def test_range_facet_keeps_the_given_order_and_half_open_buckets(postings: SearchIndex) -> None:
    # Buckets must not overlap: tantivy refuses overlapping ranges.
    bands = (
        ("high", 6500.0, 100000.0),
        ("low", None, 4000.0),
        ("mid", 4000.0, 6500.0),
        ("none", 100000.0, None),
    )
    result = postings.search(SearchRequest(facets={"salary": RangeFacet("salary", bands)}))

    # 3000 → low; 4000, 5000 → mid (lower bound included); 6500, 8000 → high (upper bound excluded from mid).
    assert result.facets["salary"] == [("high", 2), ("low", 1), ("mid", 2), ("none", 0)]


# --- paging through ties --------------------------------------------------------

TIED = 300


@pytest.fixture
def tied(index: SearchIndex) -> SearchIndex:
    """300 postings that mostly tie: three titles (so three scores) and four salaries, one of them missing.

    Written in shuffled order over three batches, so neither id order nor one batch's order
    can stand in for the engine's tie-break.
    """
    ids = [f"t{n:03d}" for n in range(TIED)]
    random.Random(7).shuffle(ids)
    titles = ["普工", "普工 包吃住", "普工 普工"]
    docs = [
        doc(doc_id, title=titles[n % 3], salary=None if n % 4 == 0 else 3000 + 1000 * (n % 4))
        for n, doc_id in enumerate(ids)
    ]
    for start in range(0, TIED, 100):
        fill(index, *docs[start : start + 100])
    return index


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(SearchRequest(text=text(("普工",))), id="relevance"),
        pytest.param(SearchRequest(text=text(("包吃住",))), id="relevance-all-tied"),
        pytest.param(SearchRequest(text=text(("普工",)), sort=SortBy("salary")), id="salary-desc"),
        pytest.param(SearchRequest(sort=SortBy("salary", descending=False)), id="salary-asc"),
        pytest.param(SearchRequest(), id="no-text-no-sort"),
        pytest.param(SearchRequest(filters=(Exists("salary"),)), id="filter-only"),
    ],
)
@pytest.mark.parametrize("page_size", [10, 7])
def test_walking_every_page_of_ties_sees_each_record_once_in_one_order(
    tied: SearchIndex, request_: SearchRequest, page_size: int
) -> None:
    one_page = ids_of(tied, replace(request_, limit=TIED))
    walked = walk(tied, request_, page_size=page_size)

    assert len(one_page) == tied.search(request_).total
    assert len(set(walked)) == len(walked), "a record came back on two pages"
    assert walked == one_page


def test_tied_pages_keep_the_primary_order(tied: SearchIndex) -> None:
    relevance = tied.search(SearchRequest(text=text(("普工",)), limit=TIED)).hits
    assert [hit.score for hit in relevance] == sorted((hit.score for hit in relevance), reverse=True)
    assert len({hit.score for hit in relevance}) == 3

    salaries = [
        hit.source.get("salary") for hit in tied.search(SearchRequest(sort=SortBy("salary"), limit=TIED)).hits
    ]
    present = [salary for salary in salaries if salary is not None]
    assert present == sorted(present, reverse=True) and len(present) == TIED * 3 // 4
    assert salaries[len(present) :] == [None] * (TIED // 4), "records without the field come last"

    assert ids_of(tied, SearchRequest(limit=TIED)) == sorted(ids_of(tied, SearchRequest(limit=TIED)))


# --- sums and repeated values -----------------------------------------------------


def test_terms_facet_min_count_keeps_the_values_held_more_than_once(postings: SearchIndex) -> None:
    result = postings.search(SearchRequest(facets={"region": TermsFacet("region", size=50, min_count=2)}))

    assert result.facets["region"] == [("410000", 3), ("410200", 2), ("440000", 2)]


def test_sum_facet_adds_up_a_field_per_value_largest_first(postings: SearchIndex) -> None:
    result = postings.search(
        SearchRequest(
            limit=0,
            facets={
                "region": SumFacet(TermsFacet("region", size=50), "salary"),
                "top": SumFacet(TermsFacet("tags", size=1), "salary"),
            },
        )
    )

    assert result.facets["region"] == [
        ("440000", 14500),
        ("410000", 12000),
        ("440300", 8000),
        ("410200", 7000),
        ("410100", 5000),
        ("410225", 3000),
    ]
    # By count 五险一金 and 包吃住 tie (2 each); by sum 包吃住 (8000 + 4000) passes 五险一金 (3000 + 8000).
    assert result.facets["top"] == [("包吃住", 12000)]


def test_sum_facet_sums_only_the_matches_and_counts_a_missing_field_as_zero(index: SearchIndex) -> None:
    fill(
        index,
        doc("a", region=["41"], salary=100),
        doc("b", region=["42"], salary=100),
        doc("c", region=["43"]),
        doc("d", region=["41"], salary=50),
        doc("e", region=["44"], salary=100, tags=["x"]),
    )
    facets = {"region": SumFacet(TermsFacet("region", size=50), "salary")}

    everything = index.search(SearchRequest(facets=facets)).facets["region"]
    without_x = index.search(SearchRequest(filters=(Not(Exists("tags")),), facets=facets)).facets["region"]

    # Tied sums in value order; a document without the field makes a bucket of 0.
    assert everything == [("41", 150), ("42", 100), ("44", 100), ("43", 0)]
    assert without_x == [("41", 150), ("42", 100), ("43", 0)]


def test_sum_facet_over_ranges_keeps_their_order(postings: SearchIndex) -> None:
    bands = (
        ("late", 1_700_250_000, None),
        ("early", 1_700_000_000, 1_700_250_000),
        ("before", None, 1_700_000_000),
    )
    result = postings.search(
        SearchRequest(facets={"posted": SumFacet(RangeFacet("posted", bands), "salary")})
    )

    # p1, p2, p3 (3000 + 5000 + 8000) are early; p4, p5 (4000 + 6500) late; none before.
    assert result.facets["posted"] == [("late", 10500), ("early", 16000), ("before", 0)]
