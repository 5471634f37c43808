"""The Elasticsearch adapter logs one DEBUG line per bulk write, not one INFO line per request."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from shared.adapters.es_index import ElasticsearchIndex
from shared.ports.search_index import IndexDoc, IndexSchema, SearchRequest, TextQuery

pytestmark = pytest.mark.elasticsearch
SCHEMA = IndexSchema("logging", {"title": "text"})
DOCS = 1200  # three bulk requests of 500


@pytest.fixture
def index(es_client: Elasticsearch) -> Iterator[ElasticsearchIndex]:
    opened = ElasticsearchIndex(SCHEMA, client=es_client, prefix=f"log-{uuid.uuid4().hex[:8]}")
    yield opened
    for name in es_client.indices.get_alias(name=opened.alias):
        es_client.indices.delete(index=name)


def test_bulk_writes_and_searches_log_one_debug_line_per_batch(
    index: ElasticsearchIndex, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    outcomes = index.upsert([IndexDoc(f"d{n}", 1, {"title": "普工"}, {"id": n}) for n in range(DOCS)])
    index.refresh()
    for page in range(5):
        index.search(SearchRequest(text=TextQuery((("普工",),), {"title": 1.0}), offset=10 * page))
    index.delete([f"d{n}" for n in range(10)])

    assert [o.status for o in outcomes] == ["created"] * DOCS
    # Before: one INFO line per request from elastic_transport.transport, and every request and
    # response body at DEBUG from elastic_transport.node. Its warnings (retries, dead nodes) still pass.
    noisy = [
        r for r in caplog.records if r.name.startswith("elastic_transport") and r.levelno < logging.WARNING
    ]
    assert not noisy, (
        f"{len(noisy)} lines from elastic_transport, e.g. {[r.getMessage()[:80] for r in noisy[:3]]}"
    )
    ours = [r for r in caplog.records if r.name == "shared.adapters.es_index"]
    assert [r.levelno for r in ours] == [logging.DEBUG, logging.DEBUG], [r.getMessage() for r in ours]
    assert f"bulk upsert of {DOCS} docs" in ours[0].getMessage()
    assert f"{DOCS} created" in ours[0].getMessage()
