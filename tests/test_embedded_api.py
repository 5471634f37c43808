"""The embedded shape end to end through HTTP: ingest → consumer → search and match, and a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from services.ingest.service import INGEST
from shared.settings import Settings
from shared.web.app_factory import create_app as create_service_app
from tests.helpers import keyed_client, posting, wait_for

VALID_CREDIT_CODE = "91350100M000100Y43"


def create_app(settings: Settings) -> FastAPI:
    return create_service_app(EMBEDDED, settings=settings)


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, environment="test", **overrides)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def client(data_dir: Path):
    settings = make_settings(data_dir, max_body_bytes=64 * 1024)
    with keyed_client(create_app(settings), settings) as test_client:
        yield test_client


def search(client: TestClient, **params: object) -> dict:
    response = client.get("/v1/postings/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def seed(client: TestClient) -> None:
    batch = [
        posting("1", "招聘维修电工", description="负责厂区设备维修，持低压电工证。", skills=["设备维修"]),
        posting("2", "电子厂普工", description="电子产品组装，长白班，包吃住。"),
        posting("3", "电商运营专员", description="负责淘宝店铺运营和推广。", location="杭州市"),
        posting("4", "电焊工", description="熟练氩弧焊，有焊工证优先。", location="昆山市"),
        posting("5", "电工（已招满）", status="closed"),
        posting(
            "6", "电工学徒", expires_at="2020-01-31T00:00:00+08:00", posted_at="2020-01-01T00:00:00+08:00"
        ),
    ]
    response = client.post("/v1/postings", json=batch)
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 6
    wait_for(lambda: search(client, q="电焊工")["total"] == 1)


def test_search_electrician_excludes_electronics_and_ecommerce(client: TestClient) -> None:
    seed(client)
    result = search(client, q="电工")
    titles = [hit["title"] for hit in result["hits"]]
    assert titles == ["招聘维修电工"], titles  # closed and expired posts never show
    assert "<em>电工</em>" in result["hits"][0]["highlights"]["title"]


def test_welder_finds_electric_welder(client: TestClient) -> None:
    seed(client)
    assert [h["title"] for h in search(client, q="焊工")["hits"]] == ["电焊工"]


def test_region_hierarchy_and_facets(client: TestClient) -> None:
    seed(client)
    henan = search(client, region="410000")
    assert {h["id"] for h in henan["hits"]} == {"test:1", "test:2"}
    assert search(client, region="410100")["total"] == 2
    assert search(client, region="320000")["hits"][0]["region"]["region_code"] == "320583"
    regions = {row["key"]: row["count"] for row in henan["facets"]["region"]}
    assert regions == {"410100": 2}
    assert sum(row["count"] for row in henan["facets"]["salary"]) == 2


def test_get_posting_normalised_and_404(client: TestClient) -> None:
    seed(client)
    record = client.get("/v1/postings/test:4").json()
    assert record["location"]["region_code"] == "320583"
    assert (record["salary_min"], record["salary_max"]) == (5000, 8000)
    missing = client.get("/v1/postings/test:nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "POSTING_NOT_FOUND"


def test_bad_record_does_not_sink_batch(client: TestClient) -> None:
    batch = [
        posting("ok", "叉车司机", employer={"name": "某物流公司", "credit_code": VALID_CREDIT_CODE}),
        posting("bad-date", "仓库管理员", expires_at="2026-13-45"),
        {"source": "test", "source_id": "no-title", "title": "  "},
        posting("odd-salary", "保洁员", salary="待遇从优"),
        "not an object",
    ]
    body = client.post("/v1/postings", json=batch).json()
    assert (body["accepted"], body["rejected"]) == (2, 3)
    by_index = {r["index"]: r for r in body["results"]}
    assert by_index[1]["errors"][0]["field"] == "expires_at"
    assert by_index[1]["errors"][0]["code"] == "BAD_FORMAT"
    assert by_index[2]["errors"][0] == {
        "field": "title",
        "code": "REQUIRED",
        "message": by_index[2]["errors"][0]["message"],
    }
    assert by_index[3]["status"] == "accepted"
    assert by_index[3]["warnings"][0]["code"] == "SALARY_UNPARSED"
    assert by_index[4]["errors"][0]["code"] == "NOT_AN_OBJECT"
    record = wait_for(lambda: client.get("/v1/postings/test:odd-salary").json().get("salary"))
    assert record["text"] == "待遇从优" and record["parsed"] is False


def test_failing_credit_code_is_accepted_for_review(client: TestClient) -> None:
    # It rejected the record until review flags: now the posting is accepted, without the code, and flagged.
    bad = posting("bad-code", "仓库管理员", employer={"name": "某公司", "credit_code": "91350100M000100Y44"})
    body = client.post("/v1/postings", json=[bad]).json()
    assert (body["accepted"], body["rejected"]) == (1, 0)
    record = wait_for(lambda: client.get("/v1/postings/test:bad-code").json().get("employer"))
    assert record == {"name": "某公司", "credit_code": None, "industry": None}
    (item,) = client.get("/v1/review/flags", params={"kind": "credit_code_invalid"}).json()["items"]
    assert item["flags"][0]["evidence"] == ["91350100M000100Y44：校验位不符"]


def test_ndjson_with_one_broken_line(client: TestClient) -> None:
    lines = [
        json.dumps(posting("n1", "厨师"), ensure_ascii=False),
        "{broken",
        json.dumps(posting("n2", "服务员")),
    ]
    response = client.post(
        "/v1/postings", content="\n".join(lines).encode(), headers={"content-type": "application/x-ndjson"}
    )
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert body["results"][1]["errors"][0]["code"] == "MALFORMED_JSON"


def test_malformed_json_and_oversized_body(client: TestClient) -> None:
    bad = client.post("/v1/postings", content=b"[{", headers={"content-type": "application/json"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "MALFORMED_JSON"
    huge = [posting(str(i), "普工", description="包吃住" * 200) for i in range(100)]
    too_big = client.post("/v1/postings", json=huge)
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_match_explains_and_never_returns_closed_or_expired(client: TestClient) -> None:
    seed(client)
    response = client.post(
        "/v1/match",
        json={
            "desired_titles": ["电工"],
            "certificates": ["电工证"],
            "location": "郑州市",
            "expected_salary_min": 5000,
        },
    )
    assert response.status_code == 200, response.text
    matches = response.json()["matches"]
    ids = [m["posting"]["id"] for m in matches]
    assert ids[0] == "test:1"
    assert "test:5" not in ids and "test:6" not in ids
    top = matches[0]
    assert top["score"] == pytest.approx(sum(top["explain"]["features"].values()), abs=0.05)
    assert "同市" in top["explain"]["reasons"] or "同县区" in top["explain"]["reasons"]
    assert "持电工证" in top["explain"]["reasons"]


def test_stored_seeker_matches_and_unknown_seeker(client: TestClient) -> None:
    seed(client)
    seeker = {
        "source": "test",
        "source_id": "s1",
        "name": "张三",
        "phone": "13800138000",
        "region_code": "410105",
        "desired_titles": ["焊工"],
        "willing_to_relocate": True,
    }
    assert client.post("/v1/seekers", json=[seeker]).json()["accepted"] == 1
    body = wait_for(lambda: client.get("/v1/seekers/test:s1/matches").json().get("matches"))
    assert body[0]["posting"]["title"] == "电焊工"
    raw = client.get("/v1/seekers/test:s1/matches").text
    assert "张三" not in raw and "13800138000" not in raw
    assert client.get("/v1/seekers/test:none/matches").status_code == 404
    # Every read is a durable audit record naming the key, not the caller's address.
    entries = client.get("/v1/audit", params={"subject": "test:s1"}).json()["entries"]
    assert len(entries) >= 2 and {entry["purpose"] for entry in entries} == {"seeker_matches"}
    assert {entry["role"] for entry in entries} == {"admin"}
    assert client.get("/v1/audit", params={"subject": "test:none"}).json()["entries"] == []


def test_restart_keeps_ingested_data(data_dir: Path) -> None:
    settings = make_settings(data_dir)
    with keyed_client(create_app(settings), settings) as first:
        first.post("/v1/postings", json=[posting("keep", "数控车床操作工")])
        wait_for(lambda: search(first, q="数控车床")["total"] == 1)
    with keyed_client(create_app(settings), settings) as second:
        assert search(second, q="数控车床")["total"] == 1
        second.post("/v1/postings", json=[posting("keep2", "数控车床操作工")])
        wait_for(lambda: search(second, q="数控车床")["total"] == 2)


def test_events_accepted_before_a_crash_are_indexed_after_restart(data_dir: Path) -> None:
    # Only ingest runs: the events are durable in the log but not yet indexed.
    settings = make_settings(data_dir)
    with keyed_client(create_service_app(INGEST, settings=settings), settings) as ingest_only:
        assert ingest_only.post("/v1/postings", json=[posting("late", "育婴师")]).json()["accepted"] == 1
    with keyed_client(create_app(settings), settings) as embedded:
        wait_for(lambda: search(embedded, q="育婴师")["total"] == 1)


def test_health_ready_metrics_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and set(ready["checks"]) == {
        "event_log",
        "postings_index",
        "seekers_index",
        "audit_log",
        "state_store",
        "indexing_consumer",
        "sources",
        "dead_letter_copier",
        "imports",
    }
    assert all(ready["checks"].values())
    assert "jobmatch_http_requests_total" in client.get("/metrics").text
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/postings", "/v1/postings/search", "/v1/match", "/v1/seekers/{seeker_id}/matches"} <= set(
        paths
    )


def test_bad_query_parameters_answer_stable_codes(client: TestClient) -> None:
    cases = {
        "/v1/postings/search?region=999999": (400, "UNKNOWN_REGION"),
        "/v1/postings/search?region=41": (422, "VALIDATION_FAILED"),
        "/v1/postings/search?page=500&size=100": (400, "PAGE_TOO_DEEP"),
        "/v1/postings/search?facets=colour": (400, "UNKNOWN_FACET"),
        "/v1/postings/search?education=火星学历": (400, "UNKNOWN_EDUCATION"),
        "/v1/postings/search?sort=random": (422, "VALIDATION_FAILED"),
    }
    for path, (status, code) in cases.items():
        response = client.get(path)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), path


def test_place_names_in_the_query_match_the_posting_place(client: TestClient) -> None:
    seed(client)
    assert [h["id"] for h in search(client, q="电工 郑州")["hits"]] == ["test:1"]
    assert search(client, q="电工 昆山")["total"] == 0
    assert [h["id"] for h in search(client, q="昆山 焊工")["hits"]] == ["test:4"]


def test_salary_min_keeps_posts_whose_range_reaches_it(client: TestClient) -> None:
    seed(client)
    client.post("/v1/postings", json=[posting("low", "电工助理", salary="3000-4000")])
    # Wait for the posting itself: a search that finds nothing is relaxed, so a total of 1 may be another post.
    wait_for(lambda: "test:low" in {h["id"] for h in search(client, q="电工助理")["hits"]})
    assert "test:low" not in {h["id"] for h in search(client, salary_min=5000, size=50)["hits"]}
    assert "test:low" in {h["id"] for h in search(client, salary_min=4000, size=50)["hits"]}


def test_match_input_is_checked_and_untyped_places_only_warn(client: TestClient) -> None:
    seed(client)
    cases = [
        ({"desired_titles": ["电工"], "education": "火星学历"}, "UNKNOWN_EDUCATION"),
        ({"desired_titles": ["电工"], "region_code": "999999"}, "UNKNOWN_REGION"),
        ({"desired_titles": ["电工"], "desired_region_codes": ["410199"]}, "UNKNOWN_REGION"),
    ]
    for body, code in cases:
        response = client.post("/v1/match", json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (400, code), body
    spoken = client.post("/v1/match", json={"desired_titles": ["电工"], "education": "大学"})
    assert spoken.status_code == 200
    unknown_place = client.post("/v1/match", json={"desired_titles": ["电工"], "location": "火星基地"}).json()
    assert unknown_place["warnings"][0]["code"] == "LOCATION_UNRESOLVED"
    assert unknown_place["matches"]


def test_rejected_seekers_reach_the_dead_letter_topic_without_personal_data(client: TestClient) -> None:
    bad = {"source": "test", "source_id": "p1", "name": "赵六", "phone": "13700001111", "birth_year": 1800}
    assert client.post("/v1/seekers", json=[bad]).json()["rejected"] == 1
    backends = client.app.state.backends  # type: ignore[attr-defined]
    (dead,) = backends.event_log.consumer(["ingest.dlq"], "staff").poll(timeout_s=1)
    assert dead.value["errors"][0]["field"] == "birth_year"
    assert "赵六" not in str(dead.value) and "13700001111" not in str(dead.value)
    # Nothing of the profile but its identifiers: a dead letter is not erased by a later DELETE.
    assert dead.value["record"] == {
        "source": "test",
        "source_id": "p1",
        "fields_present": ["birth_year", "name", "phone", "source", "source_id"],
    }
