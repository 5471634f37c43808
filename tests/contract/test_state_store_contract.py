"""One contract for both state-store adapters: SQLite (embedded) and Elasticsearch (distributed)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared.adapters.es_state import ElasticsearchStateStore
from shared.adapters.sqlite_state import SqliteStateStore
from shared.domain.deletions import deletion_versions, record_deletions
from shared.ports.state_store import StateStore


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], StateStore]]:
    opened: list[StateStore] = []
    prefix = f"state-contract-{uuid.uuid4().hex[:8]}"

    def open_one() -> StateStore:
        store: StateStore
        if request.param == "sqlite":
            store = SqliteStateStore(tmp_path / "state.sqlite3")
        else:
            store = ElasticsearchStateStore(url=request.getfixturevalue("elasticsearch_url"), prefix=prefix)
        opened.append(store)
        return store

    yield open_one
    if request.param == "elasticsearch":
        from elasticsearch import Elasticsearch

        with Elasticsearch(request.getfixturevalue("elasticsearch_url")) as client:
            client.options(ignore_status=404).indices.delete(index=f"{prefix}-state")
    for store in opened:
        store.close()


def test_put_replaces_and_get_reads_back(open_store: Callable[[], StateStore]) -> None:
    store = open_store()
    assert store.get("imports", "a") is None
    store.put("imports", "a", {"rows": 1, "text": "郑州"}, labels={"status": "running"})
    store.put("imports", "a", {"rows": 2, "text": "郑州"}, labels={"status": "done"})
    found = store.get("imports", "a")
    assert found is not None
    assert (found.key, found.doc, found.labels) == ("a", {"rows": 2, "text": "郑州"}, {"status": "done"})
    # Kinds are separate namespaces.
    assert store.get("sources", "a") is None


def test_a_second_opener_sees_every_write_at_once(open_store: Callable[[], StateStore]) -> None:
    writer, reader = open_store(), open_store()
    writer.put("imports", "job-1", {"rows": 10}, labels={"status": "running"})
    assert [state.key for state in reader.list("imports", labels={"status": "running"})] == ["job-1"]
    got = reader.get("imports", "job-1")
    assert got is not None and got.doc == {"rows": 10}


def test_list_orders_filters_and_pages(open_store: Callable[[], StateStore]) -> None:
    store = open_store()
    for number in range(7):
        status = "done" if number % 2 else "running"
        store.put("jobs", f"k{number:02d}", {"n": number}, labels={"status": status, "kind": "postings"})
    store.put("other", "k99", {"n": 99})
    assert [s.key for s in store.list("jobs", limit=3)] == ["k00", "k01", "k02"]
    assert [s.key for s in store.list("jobs", after="k02", limit=3)] == ["k03", "k04", "k05"]
    assert [s.key for s in store.list("jobs", descending=True, limit=2)] == ["k06", "k05"]
    assert [s.key for s in store.list("jobs", descending=True, after="k05", limit=2)] == ["k04", "k03"]
    assert [s.key for s in store.list("jobs", labels={"status": "done"})] == ["k01", "k03", "k05"]
    assert store.list("jobs", labels={"status": "done", "kind": "seekers"}) == []


def test_get_many_put_many_and_delete(open_store: Callable[[], StateStore]) -> None:
    store = open_store()
    store.put_many("deleted.postings", {f"test:{n}": {"version": n} for n in range(1200)})
    found = store.get_many("deleted.postings", [f"test:{n}" for n in range(0, 1300, 100)])
    assert sorted(found) == sorted(f"test:{n}" for n in range(0, 1200, 100))
    assert found["test:500"].doc == {"version": 500}
    assert store.delete("deleted.postings", "test:5") is True
    assert store.delete("deleted.postings", "test:5") is False
    assert store.get("deleted.postings", "test:5") is None
    assert store.ping() is True


def test_deletion_versions_never_go_down(open_store: Callable[[], StateStore]) -> None:
    store = open_store()
    record_deletions(store, "postings", {"a:1": 2000, "a:2": 1000})
    record_deletions(store, "postings", {"a:1": 1500, "a:2": 3000})
    assert deletion_versions(store, "postings", ["a:1", "a:2", "a:3"]) == {"a:1": 2000, "a:2": 3000}
    assert deletion_versions(store, "seekers", ["a:1"]) == {}
