"""The distributed shape end to end: ingest, search and matcher as three processes over Kafka and Elasticsearch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import Service, distributed_services, posting, wait_for
from tests.versioning import check_versions_and_deletions

pytestmark = [pytest.mark.distributed, pytest.mark.elasticsearch, pytest.mark.kafka]


@pytest.fixture
def services(elasticsearch_url: str, kafka_bootstrap: str, tmp_path: Path) -> Iterator[dict[str, Service]]:
    with distributed_services(
        tmp_path,
        elasticsearch_url=elasticsearch_url,
        kafka_bootstrap=kafka_bootstrap,
        name="e2e",
        partitions=2,
    ) as (started, _):
        yield started


def test_records_flow_from_ingest_to_search_and_matches(services: dict[str, Service]) -> None:
    with httpx.Client(headers=services["ingest"].headers()) as http:
        ingest, search, matcher = services["ingest"].url, services["search"].url, services["matcher"].url
        batch = [
            posting("d1", "招聘维修电工", description="负责设备维修，持电工证。", certificates=["电工证"]),
            posting("d2", "电子厂普工", description="电子元件组装，包吃住。"),
            posting("d3", "电焊工", location="昆山市", target_provinces=["410000"]),
            posting("d4", "电工", status="closed"),
            {"source": "e2e", "source_id": "bad", "title": "仓管", "expires_at": "not a date"},
        ]
        body = http.post(f"{ingest}/v1/postings", json=batch, timeout=30).json()
        assert (body["accepted"], body["rejected"]) == (4, 1)

        def electricians() -> list[str]:
            hits = http.get(f"{search}/v1/postings/search", params={"q": "电工"}, timeout=10).json()["hits"]
            return [hit["id"] for hit in hits]

        assert wait_for(electricians, timeout_s=60) == ["test:d1"]
        assert (
            http.get(f"{search}/v1/postings/test:d3", timeout=10).json()["location"]["region_code"]
            == "320583"
        )

        seeker = {
            "source": "e2e",
            "source_id": "s1",
            "name": "李四",
            "id_number": "11010519491231002X",
            "region_code": "410102",
            "desired_titles": ["焊工"],
            "willing_to_relocate": True,
        }
        assert http.post(f"{ingest}/v1/seekers", json=[seeker], timeout=30).json()["accepted"] == 1

        def seeker_matches() -> list[dict]:
            response = http.get(f"{matcher}/v1/seekers/e2e:s1/matches", timeout=10)
            return response.json()["matches"] if response.status_code == 200 else []

        matches = wait_for(seeker_matches, timeout_s=60)
        assert matches[0]["posting"]["id"] == "test:d3"
        assert "省际劳务协作" in matches[0]["explain"]["reasons"]
        assert "李四" not in str(matches)

        adhoc = http.post(
            f"{matcher}/v1/match", json={"desired_titles": ["电工"], "location": "郑州"}, timeout=10
        )
        adhoc_ids = [m["posting"]["id"] for m in adhoc.json()["matches"]]
        assert adhoc_ids[0] == "test:d1" and "test:d4" not in adhoc_ids

        assert http.delete(f"{ingest}/v1/postings/test:d1", timeout=10).status_code == 202
        wait_for(lambda: electricians() == [], timeout_s=60)

        check_versions_and_deletions(
            post=lambda kind, records: http.post(f"{ingest}/v1/{kind}", json=records, timeout=30),
            delete=lambda path: http.delete(f"{ingest}{path}", timeout=10),
            get=lambda path: http.get(f"{search}{path}", timeout=10),
            timeout_s=60,
        )
