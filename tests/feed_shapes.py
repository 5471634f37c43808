"""The two shapes as the feed and dead-letter tests drive them: ingest and search apps, keys, and helpers.

Embedded: one app (all services) on tantivy and SQLite. Distributed: the ingest and search services as two
apps of their own, each with its own backends, meeting only through Elasticsearch and Kafka (3 partitions),
with index and topic names of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from services.ingest.service import INGEST
from services.search.service import SEARCH
from shared.settings import Settings
from shared.web.app_factory import create_app
from tests.helpers import bearer, role_keys

SHAPES = [
    pytest.param("embedded", id="tantivy-sqlite"),
    pytest.param(
        "distributed", marks=[pytest.mark.distributed, pytest.mark.elasticsearch, pytest.mark.kafka]
    ),
]


# A test pages faster than a partner may.
RATES = {f"rate_limit_{role}": "10000/second" for role in ("partner", "staff", "admin", "kiosk")}


@dataclass
class Shape:
    name: str
    settings: Settings
    ingest: TestClient
    search: TestClient
    keys: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return bearer(self.keys[role])

    def push(self, kind: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        response = self.ingest.post(f"/v1/{kind}", json=records, headers=self.headers("admin"))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def delete(self, kind: str, record_id: str) -> None:
        response = self.ingest.delete(f"/v1/{kind}/{record_id}", headers=self.headers("admin"))
        assert response.status_code in (202, 404), response.text

    def get(self, path: str, role: str = "admin", **params: Any) -> Any:
        client = self.ingest if path.startswith("/v1/review") else self.search
        return client.get(path, params=params, headers=self.headers(role))


@contextmanager
def open_shape(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shape]:
    name = request.param
    if name == "embedded":
        settings = Settings(data_dir=tmp_path / "data", environment="test", **RATES)
        keys = role_keys(settings)
        with TestClient(create_app(EMBEDDED, settings=settings)) as client:
            yield Shape(name, settings, client, client, keys)
        return
    url = request.getfixturevalue("elasticsearch_url")
    es = request.getfixturevalue("es_client")
    tag = f"feeds-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        environment="test",
        index_backend="elasticsearch",
        eventlog_backend="kafka",
        elasticsearch_url=url,
        kafka_bootstrap=request.getfixturevalue("kafka_bootstrap"),
        index_prefix=tag,
        kafka_topic_prefix=f"{tag}.",
        kafka_topic_partitions=3,
        secret_key=uuid.uuid4().hex,
        data_dir=tmp_path / "data",
        **RATES,
    )
    keys = role_keys(settings)
    try:
        with ExitStack() as stack:
            ingest = stack.enter_context(TestClient(create_app(INGEST, settings=settings)))
            search = stack.enter_context(TestClient(create_app(SEARCH, settings=settings)))
            yield Shape(name, settings, ingest, search, keys)
    finally:
        for index in es.indices.get(index=f"{tag}*"):
            es.indices.delete(index=index)
