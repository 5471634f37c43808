"""The response cache: a repeated search is answered from it until the index changes or its time runs out."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from shared.adapters.tantivy_index import TantivyIndex
from shared.domain.records import PostingRecord
from shared.index.documents import posting_doc
from shared.index.fields import POSTINGS
from shared.settings import Settings
from shared.web.app_factory import create_app
from tests.helpers import keyed_client, posting, stored_posting, wait_for


def embedded_client(data_dir: Path, **overrides: object) -> TestClient:
    settings = Settings(data_dir=data_dir, environment="test", **overrides)
    return keyed_client(create_app(EMBEDDED, settings=settings), settings)


def push(client: TestClient, *records: dict) -> None:
    response = client.post("/v1/postings", json=list(records))
    assert response.status_code == 200 and response.json()["accepted"] == len(records), response.text


def indexed(client: TestClient, posting_id: str) -> bool:
    return client.get(f"/v1/postings/{posting_id}").status_code == 200


def test_a_repeated_search_is_a_hit_with_the_same_answer_until_the_index_changes(tmp_path: Path) -> None:
    with embedded_client(tmp_path / "data") as client:
        push(client, posting("1", "叉车司机"))
        wait_for(lambda: indexed(client, "test:1"))
        first = client.get("/v1/postings/search", params={"q": "叉车", "size": 5})
        again = client.get("/v1/postings/search", params={"size": 5, "q": "叉车"})  # order of parameters
        assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
        assert again.content == first.content and again.json()["total"] == 1

        push(client, posting("2", "叉车工"))
        wait_for(lambda: indexed(client, "test:2"))
        after_write = client.get("/v1/postings/search", params={"q": "叉车", "size": 5})
        assert after_write.headers["x-cache"] == "miss"
        assert after_write.json()["total"] == 2

        metrics = client.get("/metrics").text
        assert 'jobmatch_response_cache_total{result="hit",route="/v1/postings/search"}' in metrics
        # A hit is counted under its route, as the answer the route gave would be.
        assert 'route="/v1/postings/search",status="200"' in metrics


def test_a_repeated_parameter_keeps_its_order_in_the_key(tmp_path: Path) -> None:
    with embedded_client(tmp_path / "data") as client:
        push(client, posting("1", "叉车司机"), posting("2", "电工"), posting("3", "电工"))
        wait_for(lambda: indexed(client, "test:3"))
        last_forklift = client.get("/v1/postings/search?q=电工&q=叉车")
        last_electrician = client.get("/v1/postings/search?q=叉车&q=电工")
        assert last_electrician.headers["x-cache"] == "miss"
        assert (last_forklift.json()["total"], last_electrician.json()["total"]) == (1, 2)


def test_no_cache_errors_and_other_routes_are_answered_by_the_route(tmp_path: Path) -> None:
    with embedded_client(tmp_path / "data") as client:
        push(client, posting("1", "叉车司机"))
        wait_for(lambda: indexed(client, "test:1"))
        params = {"q": "叉车"}
        client.get("/v1/postings/search", params=params)
        fresh = client.get("/v1/postings/search", params=params, headers={"Cache-Control": "no-cache"})
        assert fresh.headers["x-cache"] == "miss"

        for _ in range(2):
            refused = client.get("/v1/postings/search", params={"region": "999999"})
            assert refused.status_code == 400 and refused.headers["x-cache"] == "miss"

        assert "x-cache" not in client.get("/v1/postings/test:1").headers


def test_an_answer_is_not_reused_after_its_time(tmp_path: Path) -> None:
    with embedded_client(tmp_path / "data", response_cache_ttl_s=0.2) as client:
        params = {"q": "叉车"}
        assert client.get("/v1/postings/search", params=params).headers["x-cache"] == "miss"
        assert client.get("/v1/postings/search", params=params).headers["x-cache"] == "hit"
        time.sleep(0.3)
        assert client.get("/v1/postings/search", params=params).headers["x-cache"] == "miss"


def test_the_cache_can_be_turned_off(tmp_path: Path) -> None:
    with embedded_client(tmp_path / "data", response_cache_entries=0) as client:
        for _ in range(2):
            assert "x-cache" not in client.get("/v1/postings/search", params={"q": "叉车"}).headers


def test_a_reader_of_the_same_directory_sees_each_commit_on_its_next_read(tmp_path: Path) -> None:
    """What the embedded shape's other worker processes rely on: no reload policy, no delay."""
    writer = TantivyIndex(POSTINGS, tmp_path / "postings")
    reader = TantivyIndex(POSTINGS, tmp_path / "postings", read_only=True)
    try:
        before = reader.generation()
        record = PostingRecord.model_validate(stored_posting("1", "电工", received_at=datetime.now(UTC)))
        writer.upsert([posting_doc(record)])
        assert reader.get("test:1") is not None
        assert reader.generation() != before
        unchanged = reader.generation()
        assert reader.generation() == unchanged
    finally:
        reader.close()
        writer.close()
