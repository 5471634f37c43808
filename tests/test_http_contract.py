"""What every endpoint promises over HTTP: one validation path, declared models, no 500 for bad input.

Each case was once a defect found by probing the running service; each runs
against the embedded shape through the real app (routes, middleware, handlers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from shared.settings import Settings
from shared.web.app_factory import create_app
from shared.web.service import ServiceSpec
from tests.helpers import keyed_client, posting, wait_for

LIMIT = 64 * 1024


def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, environment="test", max_body_bytes=LIMIT)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    configured = settings(tmp_path / "data")
    with keyed_client(create_app(EMBEDDED, settings=configured), configured) as test_client:
        yield test_client


def error_code(response: object) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]  # type: ignore[attr-defined]


def batch_errors(client: TestClient, record: dict) -> list[dict]:
    body = client.post("/v1/postings", json=[record]).json()
    assert body["rejected"] == 1, body
    return body["results"][0]["errors"]


# --- one validation path ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("match_body", "batch_record", "code"),
    [
        ({"skills": ["焊" * 61]}, posting("1", "电工", skills=["焊" * 61]), "TOO_LONG"),
        ({"experience_years": "很多"}, posting("2", "电工", experience_min_years="很多"), "WRONG_TYPE"),
        ({"experience_years": 99}, posting("3", "电工", experience_min_years=99), "OUT_OF_RANGE"),
        ({"groups": ["martian"]}, posting("4", "电工", job_type="永久"), "NOT_ALLOWED"),
        ({"region_code": "41"}, posting("5", "电工", region_code="41"), "BAD_FORMAT"),
    ],
)
def test_the_same_bad_field_gets_the_same_code_on_both_paths(
    client: TestClient, match_body: dict, batch_record: dict, code: str
) -> None:
    response = client.post("/v1/match", json=match_body)
    assert error_code(response) == (422, "VALIDATION_FAILED")
    (detail,) = response.json()["error"]["details"]
    (batch_error,) = batch_errors(client, batch_record)
    assert detail["code"] == batch_error["code"] == code
    # One language for the messages: Chinese (the code is the machine contract).
    assert all(
        ord(ch) < 128 or "\u3000" <= ch <= "\u9fff" or ch in "，：「」（）" for ch in detail["message"]
    )
    assert not any(word in detail["message"] for word in ("should", "Input", "valid"))


@pytest.mark.parametrize("path", ["/v1/postings", "/v1/seekers", "/v1/match"])
def test_valid_json_of_the_wrong_kind_answers_the_same_everywhere(client: TestClient, path: str) -> None:
    for body in (b"null", b'"x"', b"1"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert error_code(response) == (422, "VALIDATION_FAILED"), body
        assert response.json()["error"]["details"][0]["code"] == "WRONG_TYPE"


@pytest.mark.parametrize(
    ("field", "raw"),
    [("experience_min_years", "9" * 400), ("experience_min_years", "9" * 5000), ("headcount", "9" * 400)],
)
def test_numbers_too_long_for_any_field_are_out_of_range(client: TestClient, field: str, raw: str) -> None:
    body = '[{"source":"test","source_id":"n","title":"电工","' + field + '":' + raw + "}]"
    response = client.post(
        "/v1/postings", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert response.json()["results"][0]["errors"][0]["code"] == "OUT_OF_RANGE"
    match = client.post(
        "/v1/match",
        content=('{"experience_years":' + raw + "}").encode(),
        headers={"content-type": "application/json"},
    )
    assert match.json()["error"]["details"][0]["code"] == "OUT_OF_RANGE"


@pytest.mark.parametrize("digits", [30, 400, 5000])
def test_a_number_where_text_belongs_is_the_wrong_type_however_long(client: TestClient, digits: int) -> None:
    body = '[{"source":"test","source_id":"t","title":"电工","description":' + "9" * digits + "}]"
    response = client.post(
        "/v1/postings", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert response.json()["results"][0]["errors"][0]["code"] == "WRONG_TYPE"


@pytest.mark.parametrize("path", ["/v1/postings", "/v1/match"])
def test_malformed_bodies_answer_the_same_codes_on_every_route(client: TestClient, path: str) -> None:
    as_json = {"content-type": "application/json"}
    assert error_code(client.post(path, content=b"[{", headers=as_json)) == (422, "MALFORMED_JSON")
    assert error_code(client.post(path, content=b'{"a": "\xff"}', headers=as_json)) == (
        422,
        "MALFORMED_ENCODING",
    )
    assert error_code(client.post(path, content=b"{}", headers={"content-type": "text/plain"})) == (
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    assert error_code(client.post(path, content=b"{}")) == (415, "UNSUPPORTED_MEDIA_TYPE")
    huge = json.dumps({"text": "包" * LIMIT}).encode()
    assert error_code(client.post(path, content=huge, headers=as_json)) == (413, "PAYLOAD_TOO_LARGE")


# --- inputs that used to answer 500 -----------------------------------------------------


@pytest.mark.parametrize(
    "salary",
    [
        {"max": "Infinity"},
        {"min": "NaN"},
        {"min": 5000, "max": "inf"},
        {"min": 1e307, "period": "day"},
        {"min": 1e308, "period": "hour"},
    ],
)
def test_salaries_beyond_any_range_reject_only_their_record(client: TestClient, salary: dict) -> None:
    body = json.dumps([posting("big", "普工", salary=salary), posting("fine", "电工")])
    response = client.post(
        "/v1/postings", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert results[0]["errors"][0]["code"] == "OUT_OF_RANGE"


def test_a_time_at_midnight_keeps_its_offset_and_a_date_alone_is_a_day(client: TestClient) -> None:
    batch = [
        posting("mid", "电工", posted_at="2026-11-20T00:00:00Z", expires_at="2030-12-02T00:00:00+08:00"),
        posting("day", "焊工", posted_at="2026-11-20", expires_at="2030-12-02"),
    ]
    assert client.post("/v1/postings", json=batch).json()["accepted"] == 2
    mid = wait_for(
        lambda: (
            client.get("/v1/postings/test:mid").status_code == 200
            and client.get("/v1/postings/test:mid").json()
        )
    )
    day = wait_for(
        lambda: (
            client.get("/v1/postings/test:day").status_code == 200
            and client.get("/v1/postings/test:day").json()
        )
    )
    assert datetime.fromisoformat(mid["posted_at"]) == datetime(2026, 11, 20, tzinfo=UTC)
    assert datetime.fromisoformat(mid["expires_at"]) == datetime(2030, 12, 1, 16, tzinfo=UTC)
    assert (
        day["posted_at"] == "2026-11-20T00:00:00+08:00" and day["expires_at"] == "2030-12-02T23:59:59+08:00"
    )


def test_a_posting_dated_in_the_future_is_rejected(client: TestClient) -> None:
    (error,) = batch_errors(client, posting("late", "电工", posted_at="2030-01-01"))
    assert (error["field"], error["code"]) == ("posted_at", "POSTED_IN_FUTURE")


def test_ndjson_lines_end_at_newlines_only(client: TestClient) -> None:
    lines = [
        json.dumps(posting("u1", "电工\u2028学徒"), ensure_ascii=False),
        json.dumps(posting("u2", "焊工")),
    ]
    body = "\r\n".join(lines).encode()
    answer = client.post(
        "/v1/postings", content=body, headers={"content-type": "application/x-ndjson"}
    ).json()
    assert (answer["accepted"], answer["rejected"]) == (2, 0)


@pytest.mark.parametrize(("field", "value"), [("posted_at", "20261120"), ("updated_at", "2026-11-20")])
def test_a_compact_or_plain_date_is_a_day_not_a_count_of_seconds(
    client: TestClient, field: str, value: str
) -> None:
    assert client.post("/v1/postings", json=[posting("d", "电工", **{field: value})]).json()["accepted"] == 1
    record = wait_for(
        lambda: (
            client.get("/v1/postings/test:d").status_code == 200 and client.get("/v1/postings/test:d").json()
        )
    )
    assert record[field].startswith("2026-11-20T00:00:00")
    (error,) = batch_errors(client, posting("e", "电工", posted_at="1700000000"))
    assert (error["field"], error["code"]) == ("posted_at", "BAD_FORMAT")


def test_a_boolean_is_not_a_number(client: TestClient) -> None:
    (error,) = batch_errors(client, posting("b", "电工", headcount=True))
    assert (error["field"], error["code"]) == ("headcount", "WRONG_TYPE")
    match = client.post("/v1/match", json={"experience_years": True}).json()
    assert match["error"]["details"][0]["code"] == "WRONG_TYPE"


def test_an_unknown_region_has_the_batch_field_code_in_every_answer(client: TestClient) -> None:
    (batch_error,) = batch_errors(client, posting("r", "电工", region_code="999999", location=None))
    match = client.post("/v1/match", json={"region_code": "999999"})
    search = client.get("/v1/postings/search", params={"region": "999999"})
    for answer in (match, search):
        assert error_code(answer) == (400, "UNKNOWN_REGION")
        assert answer.json()["error"]["details"][0]["code"] == batch_error["code"] == "REGION_CODE_UNKNOWN"


def test_facets_none_asks_for_no_facets(client: TestClient) -> None:
    assert client.get("/v1/postings/search", params={"facets": "none"}).json()["facets"] == {}
    assert set(client.get("/v1/postings/search", params={"facets": ""}).json()["facets"]) == {
        "region",
        "job_type",
        "education",
        "salary",
    }


def test_a_skill_given_many_times_is_one_reason(client: TestClient) -> None:
    client.post("/v1/postings", json=[posting("plc", "电气工程师", skills=["PLC"])])
    wait_for(lambda: client.get("/v1/postings/test:plc").status_code == 200)
    (match,) = client.post("/v1/match", json={"skills": ["PLC", "plc", "ＰＬＣ", *["PLC"] * 50]}).json()[
        "matches"
    ]
    assert match["explain"]["reasons"].count("会PLC") == 1


def test_a_delete_of_an_id_no_record_can_have_writes_nothing(client: TestClient) -> None:
    for bad in ("a:" + "b" * 1000, "a:b%00", "%E6%9C%89:x", "a: b"):
        assert error_code(client.delete(f"/v1/seekers/{bad}")) == (404, "SEEKER_NOT_FOUND"), bad
    backends = client.app.state.backends  # type: ignore[attr-defined]
    tombstones = backends.event_log.consumer(["seekers"], "audit").poll(timeout_s=0.5)
    assert tombstones == []


def test_lists_have_bounds(client: TestClient) -> None:
    (error,) = batch_errors(client, posting("many", "电工", target_provinces=["110000"] * 35))
    assert (error["field"], error["code"]) == ("target_provinces", "TOO_MANY_ITEMS")


def test_not_allowed_values_are_listed_in_chinese(client: TestClient) -> None:
    response = client.get("/v1/postings/search", params={"job_type": "full"})
    (detail,) = response.json()["error"]["details"]
    assert (
        detail["code"] == "NOT_ALLOWED"
        and " or " not in detail["message"]
        and "全职、兼职" in detail["message"]
    )


def test_an_integer_of_5000_digits_rejects_only_its_record(client: TestClient) -> None:
    body = (
        "["
        + json.dumps(posting("ok", "电工"))
        + ',{"source":"test","source_id":"big","title":"普工","headcount":'
    )
    body += "9" * 5000 + "}]"
    response = client.post(
        "/v1/postings", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert (results[1]["errors"][0]["field"], results[1]["errors"][0]["code"]) == (
        "headcount",
        "OUT_OF_RANGE",
    )


@pytest.mark.parametrize("path", ["/v1/postings", "/v1/seekers"])
def test_deeply_nested_json_is_malformed_not_a_crash(client: TestClient, path: str) -> None:
    deep = b"[" * 30_000 + b"]" * 30_000  # far past any parser's recursion limit, inside the body limit
    response = client.post(path, content=deep, headers={"content-type": "application/json"})
    assert error_code(response) == (422, "MALFORMED_JSON")
    line = json.dumps(posting("fine", "电工")).encode()
    ndjson = client.post(path, content=line + b"\n" + deep, headers={"content-type": "application/x-ndjson"})
    assert ndjson.status_code == 200
    assert ndjson.json()["results"][1]["errors"][0]["code"] == "MALFORMED_JSON"


def test_a_lone_surrogate_rejects_its_record_and_the_answer_is_still_written(client: TestClient) -> None:
    body = (
        '[{"source":"test","source_id":"s\\udfff","title":"电工"},' + json.dumps(posting("ok2", "焊工")) + "]"
    )
    response = client.post(
        "/v1/postings", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    answer = json.loads(response.content.decode("utf-8"))
    assert (answer["accepted"], answer["rejected"]) == (1, 1)
    assert answer["results"][0]["errors"][0]["field"] == "source_id"


@pytest.mark.parametrize("field", ["source_id", "title"])
def test_nul_characters_are_refused_in_ids_and_text(client: TestClient, field: str) -> None:
    record = posting("nul", "电工") | {field: "电\u0000工"}
    (error,) = batch_errors(client, record)
    assert (error["field"], error["code"]) == (field, "INVALID")


def test_a_query_of_only_punctuation_finds_nothing(client: TestClient) -> None:
    client.post("/v1/postings", json=[posting("p1", "电工"), posting("p2", "焊工")])
    wait_for(lambda: client.get("/v1/postings/search").json()["total"] == 2)
    for query in ("(", '"', "*", "？！", "   ·  "):
        assert client.get("/v1/postings/search", params={"q": query}).json()["total"] == 0, query


def test_deleting_an_unknown_id_is_404(client: TestClient) -> None:
    assert error_code(client.delete("/v1/postings/test:never")) == (404, "POSTING_NOT_FOUND")
    assert error_code(client.delete("/v1/seekers/test:never")) == (404, "SEEKER_NOT_FOUND")
    assert error_code(client.delete("/v1/postings/nocolon")) == (404, "POSTING_NOT_FOUND")
    client.post("/v1/postings", json=[posting("real", "电工")])
    wait_for(lambda: client.get("/v1/postings/test:real").status_code == 200)
    assert client.delete("/v1/postings/test:real").status_code == 202


def test_an_erasure_right_after_a_submission_is_not_lost(client: TestClient) -> None:
    seeker = {"source": "test", "source_id": "quick", "name": "王小明", "desired_titles": ["电工"]}
    assert client.post("/v1/seekers", json=[seeker]).json()["accepted"] == 1
    client.delete("/v1/seekers/test:quick")  # 202 or 404: it may not be indexed yet; either way it is erased
    client.post("/v1/postings", json=[posting("after", "电工")])  # published after the tombstone
    wait_for(lambda: client.get("/v1/postings/test:after").status_code == 200)
    assert error_code(client.get("/v1/seekers/test:quick/matches")) == (404, "SEEKER_NOT_FOUND")


def test_405_names_the_allowed_methods_in_the_error_shape(client: TestClient) -> None:
    response = client.put("/v1/match", json={})
    assert error_code(response) == (405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"
    # Two routes match this path: the search, and a posting whose id would be "search".
    assert client.put("/v1/postings/search").headers["allow"] == "DELETE, GET"


def test_a_trailing_slash_or_an_encoded_slash_is_not_redirected_elsewhere(client: TestClient) -> None:
    for path in ("/v1/postings/", "/v1/match/", "/healthz/", "/v1/postings/test:1%2F"):
        response = client.delete(path) if "%2F" in path else client.get(path)
        assert response.status_code in (404, 405), path
        assert response.json()["error"]["code"] in ("NOT_FOUND", "METHOD_NOT_ALLOWED"), path


def test_empty_query_parameters_mean_not_given(client: TestClient) -> None:
    client.post("/v1/postings", json=[posting("e1", "电工")])
    wait_for(lambda: client.get("/v1/postings/search", params={"q": "电工"}).json()["total"] == 1)
    form = {
        "q": "电工",
        "region": "",
        "salary_min": "",
        "education": "",
        "job_type": "",
        "page": "",
        "size": "",
    }
    response = client.get("/v1/postings/search", params=form)
    assert response.status_code == 200 and response.json()["total"] == 1


def test_full_width_digits_in_a_region_code_are_read_as_digits(client: TestClient) -> None:
    client.post("/v1/postings", json=[posting("fw", "电工", region_code="４１０１０５", location=None)])
    wait_for(lambda: client.get("/v1/postings/test:fw").status_code == 200)
    assert client.get("/v1/postings/test:fw").json()["location"]["region_code"] == "410105"
    assert client.get("/v1/postings/search", params={"region": "４１００００"}).json()["total"] == 1
    assert client.post("/v1/match", json={"region_code": "４１０１０５"}).status_code == 200


def test_an_unexpected_error_answers_500_and_is_counted(tmp_path: Path) -> None:
    broken = APIRouter()

    @broken.get("/v1/broken")
    def _fail() -> None:
        raise RuntimeError("a bug")

    spec = ServiceSpec(name="broken", title="broken", routers=(broken,), needs=frozenset())
    configured = settings(tmp_path / "data")
    app: FastAPI = create_app(spec, settings=configured)
    with keyed_client(app, configured, raise_server_exceptions=False) as test_client:
        before = _count(test_client, "/v1/broken", "500")
        assert error_code(test_client.get("/v1/broken")) == (500, "INTERNAL")
        assert "a bug" not in test_client.get("/v1/broken").text
        assert _count(test_client, "/v1/broken", "500") == before + 2


def test_unknown_methods_share_one_metrics_label(client: TestClient) -> None:
    client.request("FROBNICATE", "/v1/postings/search")
    lines = client.get("/metrics").text.splitlines()
    assert not any('method="FROBNICATE"' in line for line in lines)
    assert any('method="other"' in line for line in lines)


def test_a_route_asking_for_a_backend_its_service_does_not_declare_fails_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from services.search.routes import router as search_router

    undeclared = ServiceSpec(name="bare", title="bare", routers=(search_router,), needs=frozenset())
    configured = settings(tmp_path / "data")
    with keyed_client(
        create_app(undeclared, settings=configured), configured, raise_server_exceptions=False
    ) as bare:
        assert error_code(bare.get("/v1/postings/search")) == (500, "INTERNAL")
    assert any("BackendNotOpened" in (record.exc_text or "") for record in caplog.records)


def _count(client: TestClient, route: str, status: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if (
            line.startswith("jobmatch_http_requests_total{")
            and f'route="{route}"' in line
            and f'status="{status}"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# --- declared models --------------------------------------------------------------------


def test_the_public_view_of_a_posting_leaves_out_bookkeeping(client: TestClient) -> None:
    client.post("/v1/postings", json=[posting("view", "电工", salary="待遇从优")])
    record = wait_for(
        lambda: (
            client.get("/v1/postings/test:view").json().get("id")
            and client.get("/v1/postings/test:view").json()
        )
    )
    assert record["title"] == "电工" and record["salary"]["text"] == "待遇从优"
    assert not {"version", "warnings", "derived", "schema_version"} & set(record)
    assert record["salary"]["parsed"] is False and "note" not in record["salary"]


def test_highlights_escape_around_the_words_found(client: TestClient) -> None:
    client.post("/v1/postings", json=[posting("amp", "AMP工程师 & 助理", description="负责 amp 设备 & 维护")])
    wait_for(lambda: client.get("/v1/postings/search", params={"q": "amp"}).json()["total"] == 1)
    (hit,) = client.get("/v1/postings/search", params={"q": "amp"}).json()["hits"]
    assert hit["highlights"]["title"] == "<em>AMP</em>工程师 &amp; 助理"


def test_openapi_describes_every_answer_with_a_model(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            ok = next(status for status in responses if status.startswith("2"))
            content = responses[ok].get("content", {})
            if path == "/metrics":
                assert list(content) == ["text/plain"], content
                continue
            schema = content["application/json"]["schema"]
            assert "$ref" in schema, (method, path, schema)
            if path.startswith("/v1"):
                takes_input = "requestBody" in operation or bool(operation.get("parameters"))
                assert ("422" in responses) == takes_input, (method, path)
                for status in ("500", "503", *(["422"] if takes_input else [])):
                    assert responses[status]["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorResponse"
                    }, (method, path, status)
    assert "404" in document["paths"]["/v1/postings/{posting_id}"]["get"]["responses"]
    assert "400" in document["paths"]["/v1/postings/search"]["get"]["responses"]
    match_body = document["paths"]["/v1/match"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    assert "desired_titles" in schemas[match_body["$ref"].rsplit("/", 1)[1]]["properties"]
    batch = document["paths"]["/v1/postings"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/PostingIn"} in [batch["anyOf"][0]["items"], batch["anyOf"][1]]
    assert {"source", "title", "salary"} <= set(schemas["PostingIn"]["properties"])
    assert "SalaryIn" in schemas and "SeekerIn" in schemas


# --- the document says what the server does (each found by schemathesis, tools/schemathesis_run.py) ---


def _body_schema(document: dict, name: str) -> dict:
    return document["components"]["schemas"][name]["properties"]  # type: ignore[no-any-return]


def _option(schema: dict) -> dict:
    """The non-null option of an optional field's schema."""
    return next(o for o in schema.get("anyOf", [schema]) if o.get("type") != "null")


def test_a_number_is_not_a_boolean(client: TestClient) -> None:
    # The mirror of "true is not a number": 0 and 1 are numbers, not false and true.
    for value in (0, 1, "true"):
        match = client.post("/v1/match", json={"willing_to_relocate": value})
        assert error_code(match) == (422, "VALIDATION_FAILED"), value
        assert match.json()["error"]["details"][0]["code"] == "WRONG_TYPE"
    seeker = {"source": "test", "source_id": "b", "consent_share_with_partners": 1}
    body = client.post("/v1/seekers", json=[seeker]).json()
    assert body["results"][0]["errors"][0]["code"] == "WRONG_TYPE"


@pytest.mark.parametrize("value", [0, 1700000000, 1.5])
def test_a_json_number_is_not_a_time(client: TestClient, value: float) -> None:
    (error,) = batch_errors(client, posting("n", "电工", updated_at=value))
    assert (error["field"], error["code"]) == ("updated_at", "BAD_FORMAT")


def test_lengths_count_the_text_as_sent_and_blank_is_empty(client: TestClient) -> None:
    # maxLength 60 means 60 characters as sent, the spaces around them included; stripped afterwards.
    assert error_code(client.post("/v1/match", json={"skills": [" " + "焊" * 60]})) == (
        422,
        "VALIDATION_FAILED",
    )
    assert client.post("/v1/match", json={"skills": [" " + "焊" * 59]}).status_code == 200
    for blank in ("", "   ", "\u3000"):
        (error,) = batch_errors(client, posting("t", blank))
        assert (error["field"], error["code"]) == ("title", "REQUIRED"), blank
        answer = client.post("/v1/match", json={"skills": [blank]})
        assert answer.json()["error"]["details"][0]["code"] == "REQUIRED", blank


def test_the_body_schemas_document_bounds_patterns_and_booleans(client: TestClient) -> None:
    import re

    document = client.get("/openapi.json").json()
    seeker, match = _body_schema(document, "SeekerIn"), _body_schema(document, "MatchProfileIn")
    bounds = {
        ("SeekerIn", "experience_years"): (0, 60),
        ("SeekerIn", "expected_salary_min"): (0, 1_000_000),
        ("SeekerIn", "birth_year"): (1940, 2020),
        ("SeekerIn", "graduation_year"): (1950, 2040),
        ("PostingIn", "experience_min_years"): (0, 60),
        ("PostingIn", "headcount"): (1, 100_000),
        ("SalaryIn", "min"): (0, 100_000_000),
        ("SalaryIn", "max"): (0, 100_000_000),
        ("MatchProfileIn", "experience_years"): (0, 60),
    }
    for (model, field), (low, high) in bounds.items():
        schema = _option(_body_schema(document, model)[field])
        assert (schema.get("minimum"), schema.get("maximum")) == (low, high), (model, field, schema)
        assert not {"ge", "le"} & set(schema), (model, field)
    assert seeker["willing_to_relocate"]["type"] == match["willing_to_relocate"]["type"] == "boolean"
    region = re.compile(_option(match["region_code"])["pattern"])
    assert region.search(" ４１０１０５\n") and region.search("410105")
    assert not region.search("41010") and not region.search("") and not region.search("41\x000105")
    tag = re.compile(match["skills"]["items"]["pattern"])
    assert tag.search(" 电工 ") and not tag.search("   ") and not tag.search("电\x00工")
    text = re.compile(_option(match["location"])["pattern"])
    assert text.search("郑州 金水\n") and not text.search("郑州\x07")
    source_id = re.compile(seeker["source_id"]["pattern"])
    assert source_id.search(" s-1 ") and not source_id.search("a/b") and not source_id.search("a\x00")
    assert source_id.search("a" * 128) and not source_id.search("a" * 129)


def test_every_optional_query_parameter_may_be_sent_empty(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    seen = 0
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    assert parameter.get("allowEmptyValue") is True, parameter
                    seen += 1
    assert seen > 10
    assert client.get("/v1/audit", params={"until": "", "limit": ""}).status_code == 200


@pytest.mark.parametrize("value", ["-58800", "1700000000", "2026-11-20", "2026-11-20T09:00:00"])
def test_audit_times_are_rfc_3339_with_an_offset(client: TestClient, value: str) -> None:
    answer = client.get("/v1/audit", params={"since": value})
    assert error_code(answer) == (422, "VALIDATION_FAILED"), value
    assert client.get("/v1/audit", params={"since": "2026-11-20T09:00:00+08:00"}).status_code == 200
