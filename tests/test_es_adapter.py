"""Elasticsearch-only behaviour of the adapter that the shared contract cannot express."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from shared.adapters.es_index import ElasticsearchIndex
from shared.errors import BackendUnavailable
from shared.ports.search_index import IndexDoc, IndexSchema

pytestmark = pytest.mark.elasticsearch
SCHEMA = IndexSchema("blocked", {"title": "text", "salary": "int"})


@pytest.fixture
def index(es_client: Elasticsearch) -> Iterator[ElasticsearchIndex]:
    opened = ElasticsearchIndex(SCHEMA, client=es_client, prefix=f"es-{uuid.uuid4().hex[:8]}", bulk_retries=1)
    yield opened
    for name in es_client.indices.get_alias(name=opened.alias):
        es_client.indices.delete(index=name)


def test_a_blocked_index_fails_the_batch_instead_of_dead_lettering_it(
    es_client: Elasticsearch, index: ElasticsearchIndex
) -> None:
    # An operator's write block (as during a migration). Not the flood-stage block Elasticsearch sets
    # itself: its disk monitor may lift that one again before the write is tried.
    es_client.indices.put_settings(index=index.alias, settings={"index.blocks.write": True})
    with pytest.raises(BackendUnavailable):
        index.upsert([IndexDoc("a", 1, {"title": "电工"}, {"id": "a"})])
    es_client.indices.put_settings(index=index.alias, settings={"index.blocks.write": None})
    assert [o.status for o in index.upsert([IndexDoc("a", 1, {"title": "电工"}, {"id": "a"})])] == ["created"]


def test_a_document_the_mapping_refuses_is_that_documents_error_only(index: ElasticsearchIndex) -> None:
    outcomes = index.upsert(
        [
            IndexDoc("good", 1, {"title": "电工", "salary": 5000}, {"id": "good"}),
            IndexDoc("bad", 1, {"title": "焊工", "salary": "很多"}, {"id": "bad"}),
        ]
    )
    assert [o.status for o in outcomes] == ["created", "error"]
    assert "salary" in (outcomes[1].error or "")
