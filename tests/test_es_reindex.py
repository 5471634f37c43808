from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from shared.adapters.es_index import (
    ElasticsearchIndex,
    alias_name,
    open_elasticsearch_index,
    physical_index_name,
)
from shared.adapters.es_reindex import copy_documents, main, reindex
from shared.errors import BackendUnavailable
from shared.ports.search_index import IndexDoc, IndexSchema, SearchRequest, SortBy, Terms, TextQuery

pytestmark = pytest.mark.elasticsearch

SCHEMA = IndexSchema("reindexed", {"title": "text", "region": "keyword", "salary": "int"})
SCHEMA_WITH_SECTOR = IndexSchema("reindexed", {**SCHEMA.fields, "sector": "keyword"})


@pytest.fixture
def prefix(es_client: Elasticsearch) -> Iterator[str]:
    prefix = f"reindex-{uuid.uuid4().hex[:12]}"
    yield prefix
    names = list(es_client.indices.get(index=f"{prefix}-*", expand_wildcards="all"))
    if names:
        es_client.indices.delete(index=",".join(names))


def posting(doc_id: str, version: int, title: str, region: str, salary: int) -> IndexDoc:
    fields = {"title": title, "region": [region[:2] + "0000", region], "salary": salary}
    return IndexDoc(doc_id, version, fields, {"id": doc_id, "title": title, "salary": salary})


DOCS = [
    posting("a", 100, "电工 持证", "410200", 4000),
    posting("b", 200, "电工", "410100", 6000),
    posting("c", 300, "焊工 电工", "440300", 5000),
    posting("d", 400, "厨师", "410200", 3500),
]
QUERIES = [
    SearchRequest(
        text=TextQuery(groups=(("电工",), ("持证", "焊工")), fields={"title": 1.0}, require_all=False)
    ),
    SearchRequest(filters=(Terms("region", ("410000",)),), sort=SortBy("salary")),
]


def physical_indexes(es_client: Elasticsearch, alias: str) -> list[str]:
    return sorted(es_client.indices.get_alias(name=alias))


def test_reindex_swaps_the_alias_and_keeps_documents_versions_and_results(
    es_client: Elasticsearch, prefix: str
) -> None:
    index = ElasticsearchIndex(SCHEMA, client=es_client, prefix=prefix)
    index.upsert(DOCS)
    index.refresh()
    alias = alias_name(prefix, SCHEMA)
    results_before = [index.search(request) for request in QUERIES]

    report = reindex(SCHEMA, client=es_client, prefix=prefix)

    assert report.old_indexes == (physical_index_name(alias, 1),)
    assert report.new_index == physical_index_name(alias, 2)
    assert (report.copied, report.caught_up) == (4, 0)
    assert physical_indexes(es_client, alias) == [report.new_index]
    assert not es_client.indices.exists(index=report.old_indexes[0])
    # The adapter opened before the swap keeps working through the alias.
    assert [index.get(doc.id) for doc in DOCS] == [doc.source for doc in DOCS]
    assert index.count() == 4
    for request, before in zip(QUERIES, results_before, strict=True):
        after = index.search(request)
        assert after.total == before.total
        assert [(h.id, h.source) for h in after.hits] == [(h.id, h.source) for h in before.hits]
        assert [h.score for h in after.hits] == pytest.approx([h.score for h in before.hits])
    assert [o.status for o in index.upsert([posting("b", 150, "厨师", "410100", 1)])] == ["stale"]
    assert [o.status for o in index.upsert([posting("e", 1, "司机", "440300", 7000)])] == ["created"]
    index.refresh()
    assert es_client.count(index=report.new_index)["count"] == 5


def test_reindex_applies_the_current_mapping(es_client: Elasticsearch, prefix: str) -> None:
    old = ElasticsearchIndex(SCHEMA, client=es_client, prefix=prefix)
    old.upsert(DOCS[:2])
    with_sector = IndexDoc("x", 1, {"title": "电工", "sector": "制造业"}, {"id": "x"})
    (refused,) = old.upsert([with_sector])
    assert refused.status == "error" and refused.error

    reindex(SCHEMA_WITH_SECTOR, client=es_client, prefix=prefix)
    index = ElasticsearchIndex(SCHEMA_WITH_SECTOR, client=es_client, prefix=prefix)

    assert [o.status for o in index.upsert([with_sector])] == ["created"]
    index.refresh()
    assert index.count([Terms("sector", ("制造业",))]) == 1
    assert index.count() == 3


def test_copy_takes_only_documents_newer_than_their_copy(es_client: Elasticsearch, prefix: str) -> None:
    source = ElasticsearchIndex(SCHEMA, client=es_client, prefix=f"{prefix}-from")
    dest = ElasticsearchIndex(SCHEMA, client=es_client, prefix=f"{prefix}-to")
    source.upsert([posting("same", 5, "电工", "410200", 1), posting("newer", 9, "焊工", "410200", 2)])
    dest.upsert([posting("same", 5, "电工", "410200", 1), posting("newer", 3, "旧", "410200", 2)])
    source.refresh()

    copied = copy_documents(es_client, [source.alias], dest.alias)
    dest.refresh()

    assert copied == 1
    assert dest.get("newer") == source.get("newer")
    assert dest.upsert([posting("newer", 8, "旧", "410200", 2)])[0].status == "stale"


def test_command_line_reindexes_a_named_schema(
    es_client: Elasticsearch, prefix: str, elasticsearch_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    alias = f"{prefix}-postings"

    assert main(["--schema", "postings", "--url", elasticsearch_url, "--prefix", prefix]) == 0
    assert physical_indexes(es_client, alias) == [physical_index_name(alias, 2)]
    assert main(["--schema", "postings", "--url", elasticsearch_url, "--prefix", prefix]) == 0
    assert physical_indexes(es_client, alias) == [physical_index_name(alias, 3)]
    assert f"-> {physical_index_name(alias, 3)}" in capsys.readouterr().out
    assert not es_client.indices.exists(index=physical_index_name(alias, 2))


def test_an_unreachable_node_is_backend_unavailable() -> None:
    # Lives here with the other Elasticsearch-only adapter tests; needs no server.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with pytest.raises(BackendUnavailable):
        open_elasticsearch_index(SCHEMA, url=f"http://127.0.0.1:{closed_port}", prefix="nowhere")
