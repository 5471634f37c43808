"""Open postings only, at no filter cost: what is closed or expired leaves the searchable set, on both backends.

A posting past its deadline is left out of searches and matches from that
moment (excluded by its deadline), and the expiry sweep then re-indexes it out
of the searchable set; a closed or expired posting is still found by its id.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.ingest.batch import check_record
from services.matcher.matching import match_postings
from services.matcher.scoring import Profile
from services.search.expiry import sweep_expired
from services.search.query import PostingSearch, build_posting_request
from shared.index.documents import posting_doc, stored_posting
from shared.index.fields import PostingField
from shared.ports.search_index import IndexDoc, SearchIndex, SearchRequest, Terms
from tests.helpers import posting, postings_index

WRITTEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DEADLINE = WRITTEN + timedelta(hours=2)
AFTER = (DEADLINE + timedelta(minutes=1)).timestamp()
BEFORE = (DEADLINE - timedelta(minutes=1)).timestamp()

POSTINGS_TO_INDEX = [
    posting("soon", "电工", expires_at=DEADLINE.isoformat()),
    posting("later", "电工", expires_at=(DEADLINE + timedelta(days=30)).isoformat()),
    posting("never", "电工"),
    posting("closed", "电工", status="closed"),
    posting("past", "电工", expires_at=(WRITTEN - timedelta(days=1)).isoformat()),
]


def docs_at(written: datetime) -> list[IndexDoc]:
    docs = []
    for raw in POSTINGS_TO_INDEX:
        record, outcome = check_record("postings", raw, received_at=written)
        assert record is not None, outcome
        docs.append(posting_doc(record, now=written.timestamp()))
    return docs


@pytest.fixture(params=["tantivy", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    with postings_index(request, tmp_path, "expiry") as opened:
        opened.upsert(docs_at(WRITTEN))
        opened.refresh()
        yield opened


def found(index: SearchIndex, now: float, **params: object) -> list[str]:
    request, _ = build_posting_request(PostingSearch(facets=(), **params), now=now)  # type: ignore[arg-type]
    return sorted(hit.id.removeprefix("test:") for hit in index.search(request).hits)


def searchable(index: SearchIndex) -> list[str]:
    """Postings the index holds as open, whatever the clock: the searchable set."""
    request = SearchRequest(filters=(Terms(PostingField.STATUS, ("open",)),), limit=50)
    return sorted(hit.id.removeprefix("test:") for hit in index.search(request).hits)


def test_a_deadline_takes_effect_at_once_and_the_sweep_then_takes_the_posting_out(index: SearchIndex) -> None:
    assert searchable(index) == ["later", "never", "soon"]  # closed and already-past never went in
    for params in ({"q": "电工"}, {}, {"region": "410000"}, {"sort": "newest"}):
        assert found(index, BEFORE, **params) == ["later", "never", "soon"], params
        assert found(index, AFTER, **params) == ["later", "never"], params
    matched = match_postings(Profile(desired_titles=["电工"]), postings=index, limit=10, now=AFTER)
    assert sorted(m.posting.source_id for m in matched) == ["later", "never"]

    assert sweep_expired(index, now=AFTER) == 1
    assert searchable(index) == ["later", "never"]
    assert found(index, AFTER, q="电工") == ["later", "never"]
    assert sweep_expired(index, now=AFTER) == 0  # nothing left to do
    for kept in ("soon", "closed", "past"):
        assert index.get(f"test:{kept}") is not None  # the public view still finds it by id


def test_the_sweep_takes_closed_postings_of_an_older_index_out_of_the_set(index: SearchIndex) -> None:
    """An index written by an earlier release kept closed postings searchable, filtered at query time."""
    closed = next(doc for doc in docs_at(WRITTEN) if doc.id == "test:closed")
    open_copy = next(doc for doc in docs_at(WRITTEN) if doc.id == "test:never")
    legacy = IndexDoc(
        id=closed.id,
        version=closed.version,
        fields={**open_copy.fields, PostingField.STATUS: "closed"},
        source=closed.source,
    )
    index.upsert([legacy])
    index.refresh()
    assert "closed" in found(index, BEFORE, q="电工")  # what such an index would show now
    assert sweep_expired(index, now=BEFORE) == 1
    assert found(index, BEFORE, q="电工") == ["later", "never", "soon"]


def test_the_sweep_publishes_each_expired_posting_before_taking_it_out(index: SearchIndex) -> None:
    """The expiry reaches the event log (what the partner feeds read): the stored record, same version."""
    published: list[tuple[str, dict]] = []

    def publish(records: object) -> None:
        assert searchable(index) == ["later", "never", "soon"]  # published before the index changes
        published.extend(records)  # type: ignore[call-overload]

    assert sweep_expired(index, now=AFTER, publish=publish) == 1

    stored = next(doc for doc in docs_at(WRITTEN) if doc.id == "test:soon")
    assert [key for key, _ in published] == ["test:soon"]
    assert published[0][1]["version"] == stored.version
    assert check_stored(published[0][1]) == stored_posting(stored.source).model_dump(mode="json")
    assert sweep_expired(index, now=AFTER, publish=publish) == 0
    assert len(published) == 1


def check_stored(value: dict) -> dict:
    from shared.domain.records import PostingRecord

    return PostingRecord.model_validate(value).model_dump(mode="json")
